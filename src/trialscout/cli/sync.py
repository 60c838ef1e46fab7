"""``sync``: fetch from the ClinicalTrials.gov API v2 into the store (resumable)."""

from __future__ import annotations

import hashlib
import json

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ..registry.checkpoint import Checkpoint
from ..registry.ctgov import CtgovClient, RegistryError, SyncQuery, parse_since
from ..services import sync_registry
from .common import JsonOption, err, fail, out, print_json, settings, store


def register(app: typer.Typer) -> None:
    app.command("sync")(sync)


def sync(
    condition: str = typer.Option(None, "--condition", help="Only trials for this condition, e.g. 'liver failure'."),
    term: str = typer.Option(None, "--term", help="Only trials matching this free text."),
    since: str = typer.Option(None, "--since", help="Only trials changed on or after DATE (YYYY-MM-DD)."),
    restart: bool = typer.Option(False, "--restart", help="Ignore an unfinished sync's checkpoint."),
    json_output: bool = JsonOption,
) -> None:
    """Fetch trials from ClinicalTrials.gov; an interrupted sync resumes where it stopped."""
    cfg = settings()
    try:
        query = SyncQuery(condition=condition, term=term, since=parse_since(since) if since else None,
                          page_size=cfg.registry_page_size)
    except RegistryError as exc:
        fail(str(exc), code=2)
        return
    key = hashlib.sha256(json.dumps(query.describe(), sort_keys=True, default=str).encode()).hexdigest()[:16]
    checkpoint = Checkpoint(cfg.checkpoint_dir / f"sync-{key}.json")
    if restart:
        checkpoint.clear()
    trials = store()
    columns = [TextColumn("Syncing"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()]
    try:
        with CtgovClient(cfg.registry_url, requests_per_minute=cfg.registry_requests_per_minute) as client, \
                Progress(*columns, console=err, disable=not err.is_terminal) as bar:
            task = bar.add_task("sync", total=None)
            report = sync_registry(trials, cfg, query, client, checkpoint,
                                   progress=lambda done, total: bar.update(task, completed=done, total=total))
    except RegistryError as exc:
        fail(str(exc))
        return
    summary = report.to_dict()
    if json_output:
        print_json(summary)
        return
    out.print(f"Fetched {summary['read']:,} trials: {summary['added']:,} new, {summary['changed']:,} changed, "
              f"{summary['unchanged']:,} unchanged, {len(report.rejected):,} skipped.")
    for rejected in report.rejected[:20]:
        err.print(f"skipped {rejected.record_id}: {rejected.reason}", markup=False, highlight=False)
