"""``eval criteria``: criterion-level accuracy on the TrialGPT expert labels, age agreement on the demo
trials, and entity recall on Chia's annotated criteria."""

from __future__ import annotations

import os
from pathlib import Path

import typer
from rich.table import Table

from .common import JsonOption, fail, out, print_json
from .evaluate import evaluate_app

GPT4_ACCURACY = 0.878  # TrialGPT (GPT-4) criterion-level accuracy, as the TrialGPT paper reports it
LABELS = ["included", "not included", "excluded", "not excluded", "not enough information", "not applicable"]
SHORT = ["incl", "not incl", "excl", "not excl", "NEI", "N/A"]  # column headers (NEI = not enough information)
MAPPING = ("verdicts → labels: inclusion met/not met → included/not included, exclusion met/not met → "
           "excluded/not excluded, unknown → not enough information, not applicable → not applicable; "
           "closed world (a note is complete: what it does not mention is absent, used where it favours the "
           "patient): an unknown inclusion met on that reading → included, an unknown exclusion → not excluded "
           "unless it is only about tests the note does not report")


def register(app: typer.Typer) -> None:
    """Add ``criteria`` to the ``eval`` command group (``app`` already holds ``eval``)."""
    evaluate_app.command("criteria")(criteria)


def shared_folder() -> Path:
    """``$TRIALSCOUT_SHARED``, else the ``shared`` folder beside the repository."""
    env = os.environ.get("TRIALSCOUT_SHARED")
    if env:
        return Path(env)
    import trialscout

    return Path(trialscout.__file__).resolve().parents[3] / "shared"


def _matrix(confusion: dict[str, int]) -> dict[str, dict[str, int]]:
    rows: dict[str, dict[str, int]] = {g: dict.fromkeys(LABELS, 0) for g in LABELS}
    for key, count in confusion.items():
        gold, ours = key.split(" -> ", 1)
        row = rows.setdefault(gold, dict.fromkeys(LABELS, 0))
        row[ours] = row.get(ours, 0) + count
    return rows


def criteria(
    file: Path = typer.Option(None, "--file", help="TrialGPT criterion annotations JSON "
                              "(default: shared/data/trialgpt_criterion_annotations/dev.json)."),
    chia_docs: int = typer.Option(200, "--chia-docs", min=0, help="Score entity recall on the first N Chia "
                                  "documents (0 skips it)."),
    list_ages: bool = typer.Option(False, "--age-disagreements", help="List every trial whose criteria text "
                                   "disagrees with its structured ages, with the criteria the text ages come from "
                                   "(with --json they are always in age_agreement.disagreements)."),
    json_output: bool = JsonOption,
) -> None:
    """Criterion accuracy vs the experts (and GPT-4), age agreement, and Chia entity recall."""
    from ..demo import demo_paths
    from ..eligibility.errors import AnnotationsError
    from ..eligibility.evaluation import age_agreement, chia_recall, score_trialgpt
    from ..registry.files import iter_paths
    from ..trial import trial_from_ctgov

    shared = shared_folder()
    path = file or shared / "data" / "trialgpt_criterion_annotations" / "dev.json"
    if not path.is_file():
        fail(f"no annotations file at {path}: pass --file FILE (or set TRIALSCOUT_SHARED)")
    try:
        report = score_trialgpt(path, verbose=False)
    except AnnotationsError as exc:
        fail(str(exc))
    trials = (trial_from_ctgov(r.study) for r in iter_paths(demo_paths()) if r.study is not None)
    ages = age_agreement(trials)
    chia_dir = shared / "data" / "chia" / "chia_without_scope"
    chia = chia_recall(chia_dir, chia_docs) if chia_docs and chia_dir.is_dir() else None

    matrix = _matrix(report["confusion_closed_world"])
    recall = chia["recall"] if chia else {}
    summary = (f"criteria: accuracy {report['accuracy_closed_world']:.1%} closed world / "
               f"{report['accuracy_strict']:.1%} strict (majority {report['majority_baseline']:.1%}, GPT-4 "
               f"{GPT4_ACCURACY:.1%}); age agreement {ages['agreement']:.1%} of {ages['trials_stating_age']}; "
               "Chia recall " + (", ".join(f"{k} {v['recall']:.1%}" for k, v in recall.items()) or "not run"))
    if json_output:
        print_json({"file": str(path), **report, "gpt4_accuracy": GPT4_ACCURACY, "mapping": MAPPING,
                    "confusion_matrix_closed_world": matrix, "age_agreement": ages,
                    "chia": chia, "summary": summary})
        return
    p = lambda line: out.print(line, highlight=False, soft_wrap=True)  # noqa: E731
    p(f"TrialGPT criterion annotations: {report['pairs']} pairs, {report['patients']} patients ({path})")
    p(f"accuracy {report['accuracy_closed_world']:.1%} (closed world)   majority baseline "
      f"{report['majority_baseline']:.1%}   GPT-4 {GPT4_ACCURACY:.1%}")
    p(f"accuracy {report['accuracy_strict']:.1%} (strict)   majority baseline "
      f"{report['majority_baseline']:.1%}   GPT-4 {GPT4_ACCURACY:.1%}")
    p(MAPPING)
    table = Table("expert \\ ours", *SHORT, title="Confusion matrix (closed world): expert label rows × our "
                  "label columns (NEI = not enough information)", title_justify="left")
    for gold in LABELS:
        table.add_row(gold, *(str(matrix[gold][ours]) for ours in LABELS))
    out.print(table)
    p(f"age agreement {ages['agreement']:.1%} ({ages['agree']} of {ages['trials_stating_age']} trials that state "
      f"an age) — {ages['method']}")
    categories = ", ".join(f"{n} {kind}" for kind, n in sorted(ages["categories"].items())) or "none"
    p(f"  disagreements: {categories}; {ages['agree_by_boundary_reading']} agreements read an exclusive bound as "
      f"its boundary number; among trials whose record gives an age: {ages['agreement_with_record_age']:.1%} "
      f"({ages['agree_with_record_age']} of {ages['trials_stating_age_with_record_age']})")
    if list_ages:
        for d in ages["disagreements"]:
            text = "–".join("/".join(f"{v:g}" for v in side) if side else "any"
                            for side in (d["text_min"], d["text_max"]))
            p(f"  {d['trial']}: text {text}, record {d['record_min'] or 'any'} to {d['record_max'] or 'any'} "
              f"({d['category']})")
            for source in d["criteria"]:
                p(f"      {source}")
    if chia:
        p(f"Chia entity recall over {chia['documents']} documents: a span counts when the parse of its line yields "
          "a constraint whose text (or value, for Value/Temporal numbers) covers it; Negation when the line "
          "yields a negated constraint")
        for kind, fig in recall.items():
            p(f"  {kind:<12} {fig['recall']:.1%} ({fig['recalled']} of {fig['spans']} spans)")
    else:
        p(f"Chia entity recall: not run (no {chia_dir} or --chia-docs 0)")
    p(summary)
