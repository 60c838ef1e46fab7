"""``eval``: measure the product against judged data sets. ``eval search`` runs the judged query set.

Others add their own measures here: ``evaluate_app.command("plain")(...)`` in this module, or
``from .evaluate import evaluate_app`` and register a command on it.
"""

from __future__ import annotations

from pathlib import Path

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


@evaluate_app.command("match")
def match(
    shared: Path = typer.Option(None, "--shared", help="The folder holding data/trialgpt and data/trec_ct_2021 "
                                "(default: ../shared beside the working folder)."),
    collection: list[str] = typer.Option(["sigir", "trec2021"], "--collection", help="sigir, trec2021 (repeat)."),
    semantic: bool = typer.Option(False, "--semantic/--no-semantic", help="Fuse semantic retrieval in too."),
    topics: int = typer.Option(None, "--topics", min=1, help="Score only the first N topics of each (a quick look)."),
    json_output: bool = JsonOption,
) -> None:
    """nDCG@10, P@10 and recall@100 of "Find trials for me" on the SIGIR and TREC 2021 judged patients,
    over the judged trials the imported corpus holds."""
    from ..match import MatchError
    from ..match.evaluation import collections, run_collection, stored_ids
    from .common import fail, progress_bar
    from .match import open_matcher

    folder = shared or _default_shared()
    try:
        chosen = collections(folder, collection)
    except (MatchError, KeyError) as exc:
        fail(getattr(exc, "message", f"Unknown collection {exc}: use sigir or trec2021."))
        return
    service = open_matcher()
    present = stored_ids(service.store)
    reports = []
    for c in chosen:
        with progress_bar(f"Matching {c.name} patients") as advance:
            reports.append(run_collection(service, c, present, semantic=semantic, progress=advance,
                                          limit_topics=topics))
    if json_output:
        print_json({"corpus_trials": len(present), "semantic": semantic, "collections": [r.to_dict() for r in reports]})
        return
    table = Table("Collection", "Topics scored", "Judged in corpus", "Eligible in corpus", "nDCG@10", "P@10",
                  "recall@100", "nDCG@10 (judged only)", "P@10 (judged only)",
                  title=f"Find trials for me: {len(present):,} trials in the corpus", title_justify="left")
    for r in reports:
        d = r.to_dict()
        table.add_row(r.name, f"{d['topics_scored']} of {r.topics} ({d['topics_nothing_matched']} unmatched)", f"{r.judged_present:,} of {r.judged:,}",
                      f"{r.eligible_present:,}", f"{d['ndcg@10']:.3f}", f"{d['p@10']:.3f}", f"{d['recall@100']:.3f}",
                      f"{d['judged_only']['ndcg@10']:.3f}", f"{d['judged_only']['p@10']:.3f}")
    out.print(table)
    out.print("Anchors on the full TREC 2021 corpus: best automatic run nDCG@10 0.712, median 0.342. Topics with no "
              "eligible judged trial in this corpus are left out.")


def _default_shared() -> Path:
    here = Path.cwd()
    for folder in (here / "shared", here.parent / "shared", here.parent.parent / "shared"):
        if (folder / "data").is_dir():
            return folder
    return here.parent / "shared"
