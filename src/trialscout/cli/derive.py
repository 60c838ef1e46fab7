"""``derive``: rebuild derived data (plain language, parsed criteria, search index, alert matching)."""

from __future__ import annotations

import time

import typer

from ..services import DERIVERS, refresh_derived
from .common import JsonOption, err, out, print_json, settings, store


def register(app: typer.Typer) -> None:
    app.command("derive")(derive)


def derive(
    ids: list[str] = typer.Argument(None, help="NCT ids to derive again (default: every trial)."),
    json_output: bool = JsonOption,
) -> None:
    """Rebuild every derived part from the store: after an upgrade, or to repair a copy."""
    cfg, trials = settings(), store()
    chosen = [i.strip().upper() for i in ids] if ids else None
    started = time.perf_counter()
    with err.status(f"Deriving {len(chosen) if chosen else trials.count():,} trials ({len(DERIVERS)} steps)…"):
        refresh_derived(trials, cfg, chosen)
    summary = {"trials": len(chosen) if chosen else trials.count(), "steps": [d.split(":")[0] for d in DERIVERS],
               "seconds": round(time.perf_counter() - started, 1)}
    if json_output:
        print_json(summary)
        return
    out.print(f"Derived {summary['trials']:,} trials in {summary['seconds']} s: {', '.join(summary['steps'])}")
