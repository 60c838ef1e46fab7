"""``import``, ``show`` and ``history``: records in, one trial out, its versions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.markup import escape
from rich.table import Table
from sqlalchemy.exc import DBAPIError

from ..registry.files import NotRegistryData
from ..services import ingest_and_derive
from ..store import StoredTrial, TrialStore
from ..web.view import trial_json
from ..trial import Trial
from .common import JsonOption, err, fail, out, print_json, progress_bar, settings, store


def register(app: typer.Typer) -> None:
    app.command("import")(import_files)
    app.command("show")(show)
    app.command("history")(history)


def import_files(
    paths: list[Path] = typer.Argument(..., help="Files or folders: JSON, JSON Lines, .zip, legacy XML."),
    batch_size: int = typer.Option(500, min=1, max=10_000, help="Records per transaction."),
    json_output: bool = JsonOption,
) -> None:
    """Import registry records from files into the store (re-importing unchanged data adds nothing)."""
    trials = store(with_demo=False)
    try:
        with progress_bar("Importing") as advance:
            report = ingest_and_derive(paths, trials, settings(), progress=advance, batch_size=batch_size)
    except NotRegistryData as exc:
        fail(str(exc))
        return
    except DBAPIError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if str(exc.orig).strip() else type(exc.orig).__name__
        fail(f"the database refused a batch ({reason}); the batches before it were stored, that one was not")
        return
    if json_output:
        print_json(report.to_dict())
        return
    summary = report.to_dict()
    out.print(
        f"Read {summary['read']:,} records: {summary['added']:,} new, {summary['changed']:,} changed, "
        f"{summary['unchanged']:,} unchanged, {summary['older']:,} older or same-date copies ignored, "
        f"{len(report.rejected):,} skipped."
    )
    for rejected in report.rejected[:50]:
        err.print(f"skipped {rejected.record_id} ({rejected.source}): {rejected.reason}", highlight=False,
                  markup=False, soft_wrap=True)
    if len(report.rejected) > 50:
        err.print(f"... and {len(report.rejected) - 50:,} more (use --json for all)")


def _get(nct_id: str, trials: TrialStore | None = None) -> StoredTrial:
    trials = trials or store()
    found = trials.get(nct_id.strip().upper() if nct_id.strip().upper().startswith("NCT") else nct_id.strip())
    if found is None:
        fail(f"no trial {nct_id!r} in the store; import or sync it first", code=2)
    assert found is not None
    return found


def show(nct_id: str = typer.Argument(..., help="An NCT id, e.g. NCT06740149."), json_output: bool = JsonOption) -> None:
    """Show one trial."""
    stored = _get(nct_id)
    if json_output:
        print_json(trial_json(stored))
        return
    _print_trial(stored.trial)
    out.print(f"First seen {stored.first_seen:%Y-%m-%d} · last changed {stored.last_changed:%Y-%m-%d} "
              f"· version {stored.version}")


def _print_trial(trial: Trial) -> None:
    # Registry text is shown as written: escape it so "[...]" in a title is not taken for markup.
    table = Table(show_header=False, title=escape(f"{trial.nct_id}: {trial.title}"), title_justify="left")
    rows = [
        ("Status", trial.overall_status),
        ("Phase", ", ".join(trial.phases)),
        ("Study type", trial.study_type),
        ("Sponsor", trial.sponsor),
        ("Conditions", "; ".join(trial.conditions)),
        ("Treatments", "; ".join(f"{i.type or ''}: {i.name}".lstrip(": ") for i in trial.interventions)),
        ("Enrolment", f"{trial.enrollment.count} ({trial.enrollment.type})" if trial.enrollment else None),
        ("Ages", f"{trial.eligibility.minimum_age or 'any'} to {trial.eligibility.maximum_age or 'any'}"),
        ("Sex", trial.eligibility.sex),
        ("Sites", "; ".join(s.place for s in trial.locations[:5]) + (" …" if len(trial.locations) > 5 else "")),
    ]
    for label, value in rows:
        table.add_row(label, escape(value) if value else "—")
    out.print(table)


def history(nct_id: str = typer.Argument(..., help="An NCT id."), json_output: bool = JsonOption) -> None:
    """List a trial's versions and what changed in each."""
    trials = store()
    stored = _get(nct_id, trials)
    versions = trials.history(stored.trial.nct_id)
    if json_output:
        print_json([{"version": v.version, "recorded_at": v.recorded_at.isoformat(), "changes": v.changes}
                    for v in versions])
        return
    table = Table("Version", "Recorded", "Changes", title=f"History of {stored.trial.nct_id}", title_justify="left")
    for v in versions:
        words = "; ".join(_change_words(c) for c in v.changes) or (
            "first seen" if v.version == 1 else "registry record updated (no change in the fields compared)")
        table.add_row(str(v.version), f"{v.recorded_at:%Y-%m-%d %H:%M}", escape(words))
    out.print(table)


def _change_words(change: dict[str, Any]) -> str:
    name = change["field"].replace("_", " ")
    subject = f" {change['subject']}" if change.get("subject") else ""
    if change["kind"] == "added":
        return f"{name} added:{subject} {change.get('after') or ''}".strip()
    if change["kind"] == "removed":
        return f"{name} removed:{subject} {change.get('before') or ''}".strip()
    before, after = str(change.get("before"))[:40], str(change.get("after"))[:40]
    return f"{name}{subject}: {before} → {after}"
