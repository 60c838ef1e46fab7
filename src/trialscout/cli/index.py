"""``index``: build, update and inspect the search index."""

from __future__ import annotations

import typer

from ..search import IndexBusy, IndexUnavailable, SearchIndex
from ..search import maintenance
from .common import JsonOption, fail, out, print_json, progress_bar, settings, store

index_app = typer.Typer(help="The search index: rebuild it, bring it up to date, see its state.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(index_app, name="index")


def _open() -> SearchIndex:
    try:
        return SearchIndex.open(settings().index_dir)
    except IndexUnavailable as exc:
        fail(str(exc))
        raise


@index_app.command("rebuild")
def rebuild(json_output: bool = JsonOption) -> None:
    """Build the search index anew from the store (searches keep working until it is done).

    Documents are made in TRIALSCOUT_DERIVE_WORKERS processes (2 by default) while this one writes."""
    trials = store()
    index = _open()
    try:
        with progress_bar("Indexing", total=trials.count()) as advance:
            written = maintenance.rebuild(index, trials, progress=advance, workers=settings().derive_workers)
    except IndexBusy as exc:
        fail(str(exc))
        return
    if json_output:
        print_json({"indexed": written, "path": str(index.path)})
        return
    out.print(f"Indexed {written:,} trials in {index.path}", highlight=False)


@index_app.command("update")
def update(json_output: bool = JsonOption) -> None:
    """Index trials the index has missed or holds from an older record."""
    trials = store()
    index = _open()
    try:
        written = maintenance.catch_up(index, trials, workers=settings().derive_workers)
    except IndexBusy as exc:
        fail(str(exc))
        return
    if json_output:
        print_json({"indexed": written})
        return
    out.print(f"Indexed {written:,} trials; the index is up to date." if written else "The index is up to date.")


@index_app.command("status")
def status(json_output: bool = JsonOption) -> None:
    """How many trials the index holds, and whether it is current."""
    found = maintenance.status(_open(), store())
    if json_output:
        print_json(found.to_dict())
        return
    out.print(f"{found.path}: {found.documents:,} trials indexed of {found.trials:,} stored; "
              f"{found.stale:,} to update; last written {found.updated_at or 'never'}.", highlight=False)
    if not found.current:
        out.print("Run `trialscout index update` (or `trialscout index rebuild`).")
