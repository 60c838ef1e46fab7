"""``eval plain``: the plain-language figures (readability, grounding, sections, speed)."""

from __future__ import annotations

import typer
from rich.table import Table

from .common import JsonOption, fail, out, print_json, settings, store
from .evaluate import evaluate_app


def register(app: typer.Typer) -> None:
    """Add ``plain`` to the ``eval`` command group (``app`` already holds ``eval``)."""
    evaluate_app.command("plain")(plain)


def plain(
    source: str = typer.Option("demo", help="Which trials: 'demo' (the bundled snapshot) or 'store' (yours)."),
    use_llm: bool = typer.Option(False, "--llm", help="Also use the configured LLM writer (settings.llm_url)."),
    json_output: bool = JsonOption,
) -> None:
    """Grade ≤ 8 share, ungrounded sentences published, sections present, trials per second."""
    from ..plain.derive import resources_for, writer_for
    from ..plain.evaluate import TARGET_READABLE_SHARE, demo_trials, evaluate

    cfg = settings()
    if source not in {"demo", "store"}:
        fail(f"--source must be 'demo' or 'store', not {source!r}")
    trials = demo_trials() if source == "demo" else [s.trial for s in store().iter_trials()]
    writer = writer_for(cfg) if use_llm else None
    if use_llm and writer is None:
        fail("--llm needs an LLM endpoint: set TRIALSCOUT_LLM_URL (and TRIALSCOUT_LLM_MODEL)")
    report = evaluate(trials, resources_for(cfg), writer)
    if json_output:
        print_json(report.to_dict())
        return
    table = Table("Figure", "Value", "Target", title=f"Plain language over {report.trials} trials ({source})",
                  title_justify="left")
    table.add_row("Summaries at grade ≤ 8", f"{report.readable:,} / {report.graded:,} ({report.readable_share:.1%})",
                  f"≥ {TARGET_READABLE_SHARE:.0%}")
    table.add_row("Median summary grade", f"{report.median_grade:.1f}", "≤ 8")
    table.add_row("Ungrounded sentences published", str(report.ungrounded_published), "0")
    table.add_row("Defects (sentences dropped)", str(report.defects), "0")
    if use_llm:
        table.add_row("LLM sections replaced", str(report.fallbacks), "")
    table.add_row("Summaries not 3–5 sentences", str(report.summaries_out_of_range), "0")
    table.add_row("Longest headline (words)", str(report.longest_headline), "≤ 12")
    for section in report.expected:
        table.add_row(f"Section: {section.replace('_', ' ')}",
                      f"{report.present[section]:,} / {report.expected[section]:,}", "all with data")
    table.add_row("Generation speed", f"{report.trials_per_second:,.0f} trials/s", "≥ 500")
    out.print(table)
    out.print(report.summary_line(), highlight=False, soft_wrap=True)
