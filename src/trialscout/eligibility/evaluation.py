"""Evaluation harness: criterion-level accuracy on the TrialGPT expert annotations.

``score_trialgpt(path)`` reads the (patient note, criterion) pairs, builds one
profile per note with ``profile_from_note``, parses each criterion alone, runs
``evaluate`` and maps our status to the annotators' labels:

=========== ============== =================== =========================
criterion   met            not met             unknown
=========== ============== =================== =========================
inclusion   included       not included        not enough information
exclusion   excluded       not excluded        see below
=========== ============== =================== =========================

``not_applicable`` maps to "not applicable", except for items the study team
settles (consent, visits, the doctors' judgement), which a note cannot decide and
count as unknown. For an unknown exclusion two
figures are reported: *strict* ("not enough information") and *closed world*
("not excluded": the annotators' convention that a condition a complete note
does not mention is absent). The harness reads files; the engine it scores does not.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

from .constraints import ParsedEligibility
from .criteria import Criterion
from .errors import ProfileError
from .evaluate import evaluate
from .parse import parse_criteria
from .profile import Profile, profile_from_note

_LABELS = {
    ("inclusion", "met"): "included", ("inclusion", "not_met"): "not included",
    ("inclusion", "unknown"): "not enough information", ("inclusion", "not_applicable"): "not applicable",
    ("exclusion", "met"): "excluded", ("exclusion", "not_met"): "not excluded",
    ("exclusion", "unknown"): "not enough information", ("exclusion", "not_applicable"): "not applicable",
}


def _majority(kind: str) -> str:
    return "not enough information" if kind == "inclusion" else "not excluded"


def score_trialgpt(path: str | Path, today: date = date(2024, 1, 1), verbose: bool = True) -> dict[str, Any]:
    """Accuracy of our verdicts against the expert labels in ``path`` (TrialGPT criterion annotations JSON)."""
    rows = json.loads(Path(path).read_text(encoding="utf-8"))
    profiles: dict[str, Profile] = {}
    for row in rows:
        if row["patient_id"] not in profiles:
            try:
                profiles[row["patient_id"]] = profile_from_note(row["note"], today=today)
            except ProfileError:
                profiles[row["patient_id"]] = Profile()
    criteria = [Criterion(kind=row["criterion_type"], text=row["criterion_text"] or "", index=0) for row in rows]
    parsed = parse_criteria(criteria)
    strict = closed = majority = 0
    confusion: Counter[tuple[str, str]] = Counter()
    for row, pc in zip(rows, parsed):
        result = evaluate(ParsedEligibility(criteria=[pc]), profiles[row["patient_id"]], today=today)
        status = result.criteria[0].status
        if result.criteria[0].study_team:
            status = "unknown"  # settled with the study team: the note cannot say, it is not "not applicable"
        kind, gold = row["criterion_type"], row["expert_eligibility"]
        label = _LABELS[(kind, status)]
        closed_label = "not excluded" if (kind, status) == ("exclusion", "unknown") else label
        strict += label == gold
        closed += closed_label == gold
        majority += _majority(kind) == gold
        confusion[(gold, closed_label)] += 1
    n = len(rows)
    report = {
        "pairs": n,
        "patients": len(profiles),
        "accuracy_strict": strict / n if n else 0.0,
        "accuracy_closed_world": closed / n if n else 0.0,
        "majority_baseline": majority / n if n else 0.0,
        "confusion_closed_world": {f"{g} -> {p}": c for (g, p), c in sorted(confusion.items())},
    }
    if verbose:
        print(f"TrialGPT criterion annotations: {n} pairs, {len(profiles)} patients")
        print(f"  accuracy (closed world, unknown exclusion = not excluded): {report['accuracy_closed_world']:.1%}")
        print(f"  accuracy (strict, unknown = not enough information):       {report['accuracy_strict']:.1%}")
        print(f"  majority-label baseline:                                    {report['majority_baseline']:.1%}")
    return report


def parse_throughput(records: list[dict[str, Any]], repeat: int = 2) -> dict[str, float]:
    """Parse every record's eligibility ``repeat`` times; report the best documents per second.

    ``records`` are ClinicalTrials.gov API v2 study objects. Both CPU time (steady on a
    busy machine) and wall time are reported; the pipeline is loaded before timing.
    """
    from .nlp import pipeline
    from .parse import parse_eligibility

    pipeline()
    modules = [r.get("protocolSection", {}).get("eligibilityModule", {}) for r in records]
    best_cpu = best_wall = float("inf")
    criteria = 0
    for _ in range(max(1, repeat)):
        cpu, wall = time.process_time(), time.perf_counter()
        parsed = [parse_eligibility(m.get("eligibilityCriteria"), m.get("minimumAge"), m.get("maximumAge"),
                                    m.get("sex")) for m in modules]
        best_cpu = min(best_cpu, time.process_time() - cpu)
        best_wall = min(best_wall, time.perf_counter() - wall)
        criteria = sum(len(p.criteria) for p in parsed)
    n = len(modules)
    return {"documents": n, "criteria": criteria, "docs_per_s_cpu": n / best_cpu if best_cpu else 0.0,
            "docs_per_s_wall": n / best_wall if best_wall else 0.0}


if __name__ == "__main__":  # pragma: no cover
    import sys

    shared = Path(sys.argv[1] if len(sys.argv) > 1 else "../shared")
    score_trialgpt(shared / "data" / "trialgpt_criterion_annotations" / "dev.json")
    records: list[dict[str, Any]] = []
    for path in sorted((shared / "data" / "ctgov_api_v2").glob("*/*.json")):
        records.extend(json.loads(path.read_text(encoding="utf-8")))
    figures = parse_throughput(records)
    print(f"Parse throughput: {figures['documents']} documents, {figures['criteria']} criteria: "
          f"{figures['docs_per_s_cpu']:.0f} docs/s (CPU time), {figures['docs_per_s_wall']:.0f} docs/s (wall)")
