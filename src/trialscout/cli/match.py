"""``match``: find trials for a person from a profile file (a FHIR Bundle, a form as JSON, or a note as
text), ranked and explained; ``match vectors`` builds the optional semantic index."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.markup import escape

from .common import JsonOption, fail, out, print_json, progress_bar, settings, store

match_app = typer.Typer(help="Find trials for me: a profile in, ranked and explained trials out.",
                        invoke_without_command=True, no_args_is_help=False)


def register(app: typer.Typer) -> None:
    app.add_typer(match_app, name="match")


def open_matcher():  # type: ignore[no-untyped-def]
    """The match service over the configured store and its (up-to-date) search index."""
    from ..match import MatchService
    from .search import open_search

    search = open_search()
    return MatchService.open(settings(), store(), search)


@match_app.callback()
def match(
    ctx: typer.Context,
    profile: Optional[Path] = typer.Option(None, "--profile", help="A FHIR Bundle (.json), a form (.json) or a "
                                           "clinical note (text)."),
    near: Optional[str] = typer.Option(None, "--near", help="Where you are (overrides the profile's address)."),
    within: Optional[str] = typer.Option(None, "--within", help="How far you can travel: 300km, 100mi (default 500km)."),
    any_status: bool = typer.Option(False, "--any-status", help="Include trials closed to new people."),
    limit: int = typer.Option(20, "--limit", min=1, max=100, help="How many trials to show."),
    semantic: Optional[bool] = typer.Option(None, "--semantic/--no-semantic", help="Also find trials close in "
                                            "meaning (default: when installed and built)."),
    json_output: bool = JsonOption,
) -> None:
    """Rank the trials for the person in --profile: likely eligible first, each with its reasons."""
    if ctx.invoked_subcommand is not None:
        return
    if profile is None:
        fail("Give the person's profile: trialscout match --profile FILE (a FHIR Bundle, a form as JSON, or a note).")
        return
    from ..match import MatchError, MatchRequest, read_any, with_place

    try:
        raw = profile.read_bytes()
    except OSError as exc:
        fail(f"Cannot read {profile}: {exc.strerror or exc}.")
        return
    try:
        person = with_place(read_any(raw), near, within)
        results = open_matcher().match(MatchRequest(person, limit=limit, statuses="any" if any_status else "open",
                                                    semantic=semantic))
    except MatchError as exc:
        fail(exc.message)
        return
    if json_output:
        print_json(results.to_dict())
        return
    _print(results)


def _print(results) -> None:  # type: ignore[no-untyped-def]
    for message in results.contradictions:
        out.print(f"[bold red]Check:[/] {escape(message)}")
    for note in [f.message for f in results.flags if f.code != "contradiction"] + list(results.notices):
        out.print(f"[yellow]Note:[/] {escape(note)}")
    where = f" near {results.place}" if results.place else ""
    out.print(f"Searched for {escape(', '.join(results.searched_for) or 'your note')}{escape(where)}; "
              f"checked {results.considered} trials in {results.elapsed_ms:.0f} ms.")
    if not results.matches:
        out.print("No trial matches. Try other words for the condition, a wider --within, or --any-status.")
    for rank, m in enumerate(results.matches, start=1):
        out.print(f"\n[bold]{rank}. {escape(m.display_title)}[/] ({m.nct_id})")
        out.print(f"   {m.verdict_words}. {escape(m.explanation.summary)}")
        facts = [m.status.replace("_", " ").lower() if m.status else "status not stated"]
        if m.explanation.place:
            facts.append(m.explanation.place)
        out.print(f"   {escape(' · '.join(facts))}")
        for c in m.explanation.conditions:
            theirs = "; ".join(c.trial_terms) or "named in the description"
            out.print(f"   Your condition: {escape(c.yours)} (trial: {escape(theirs)})")
        if m.explanation.deciding:
            out.print(f"   [red]Deciding:[/] {escape(m.explanation.deciding.text)}")
        for c in m.explanation.met[:5]:
            word = "Met" if c.kind == "inclusion" else "Does not apply to you"
            out.print(f"   [green]{word}:[/] {escape(c.text)}")
        for q in m.explanation.questions[:5]:
            out.print(f"   [cyan]?[/] {escape(q)}")


@match_app.command("vectors")
def vectors(json_output: bool = JsonOption) -> None:
    """Embed every stored trial for semantic matching (needs the `semantic` extra)."""
    from ..match import SemanticUnavailable
    from ..match.semantic import MiniLMEmbedder, VectorIndex, build_vectors

    trials = store()
    directory = VectorIndex.directory_for(settings().home)
    try:
        embedder = MiniLMEmbedder()
    except SemanticUnavailable as exc:
        fail(exc.message)
        return
    with progress_bar("Embedding trials", total=trials.count()) as advance:
        index = build_vectors(trials, embedder, directory, progress=advance)
    if json_output:
        print_json({"path": str(directory), "trials": len(index), "model": index.model})
    else:
        out.print(f"Embedded {len(index):,} trials into {directory}")
