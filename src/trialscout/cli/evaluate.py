"""``eval``: measure the product against judged data sets. ``eval search`` runs the judged query set.

Others add their own measures here: ``evaluate_app.command("plain")(...)`` in this module, or
``from .evaluate import evaluate_app`` and register a command on it.
"""

from __future__ import annotations

import typer
from rich.table import Table

from .common import JsonOption, out, print_json

evaluate_app = typer.Typer(help="Measure trialscout against judged data (prints the figures).", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(evaluate_app, name="eval")


@evaluate_app.command("search")
def search(json_output: bool = JsonOption) -> None:
    """Recall@10 and nDCG@10 over the judged lay queries (search/judged_queries.json)."""
    from ..search.evaluate import K, evaluate
    from .search import open_search

    report = evaluate(open_search())
    if json_output:
        print_json(report.to_dict())
        return
    table = Table("Query", f"Recall@{K}", f"nDCG@{K}", "Missed (judged, not in the first ten)",
                  title=f"Search: {len(report.scores)} judged queries", title_justify="left")
    for score in report.scores:
        missed = ", ".join(score.missed[:4]) + (" …" if len(score.missed) > 4 else "")
        table.add_row(score.id, f"{score.recall:.2f}", f"{score.ndcg:.2f}", score.error or missed or "—")
    out.print(table)
    out.print(f"recall@{K} {report.recall:.3f}   nDCG@{K} {report.ndcg:.3f}   ({len(report.scores)} queries)")
