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
    confusion_strict: Counter[tuple[str, str]] = Counter()
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
        confusion_strict[(gold, label)] += 1
    n = len(rows)
    report = {
        "pairs": n,
        "patients": len(profiles),
        "accuracy_strict": strict / n if n else 0.0,
        "accuracy_closed_world": closed / n if n else 0.0,
        "majority_baseline": majority / n if n else 0.0,
        "confusion_closed_world": {f"{g} -> {p}": c for (g, p), c in sorted(confusion.items())},
        "confusion_strict": {f"{g} -> {p}": c for (g, p), c in sorted(confusion_strict.items())},
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


AGE_TOLERANCE = 0.01  # years
CHIA_TYPES = ("Measurement", "Value", "Temporal", "Negation")


def age_agreement(trials: Any) -> dict[str, Any]:
    """Trials whose criteria text states an age bound, and how many agree with the structured fields.

    The text is parsed without the structured ages, so every ``AgeConstraint`` comes from
    the text; in an exclusion criterion a bound counts the other way ("under 18" → minimum 18).
    A trial agrees when each bound the text states (lowest minimum, highest maximum) equals
    the structured ``minimum_age`` / ``maximum_age`` within 0.01 years.
    """
    from .parse import parse_eligibility

    stated = agree = 0
    disagreements: list[dict[str, Any]] = []
    for trial in trials:
        elig = trial.eligibility
        if not elig.criteria:
            continue
        try:
            parsed = parse_eligibility(elig.criteria)
        except Exception:  # noqa: BLE001 - an unparseable record states no age we can read
            continue
        lows: list[float] = []
        highs: list[float] = []
        for pc in parsed.criteria:
            for c in pc.constraints:
                if getattr(c, "type", None) != "age":
                    continue
                exclusion = pc.criterion.kind == "exclusion"  # "age < 18" excludes: a minimum of 18
                if c.comparator in (">", ">="):
                    (highs if exclusion else lows).append(c.value)
                elif c.comparator in ("<", "<="):
                    (lows if exclusion else highs).append(c.value)
                elif c.comparator == "between" and not exclusion:
                    lows.append(c.value)
                    highs.append(c.upper if c.upper is not None else c.value)
        if not lows and not highs:
            continue
        stated += 1
        text_min, text_max = (min(lows) if lows else None), (max(highs) if highs else None)
        rec_min = elig.minimum_age.years if elig.minimum_age else None
        rec_max = elig.maximum_age.years if elig.maximum_age else None
        ok = all(rec is not None and abs(txt - rec) <= AGE_TOLERANCE
                 for txt, rec in ((text_min, rec_min), (text_max, rec_max)) if txt is not None)
        agree += ok
        if not ok:
            disagreements.append({"trial": trial.nct_id, "text_min": text_min, "text_max": text_max,
                                  "record_min": rec_min, "record_max": rec_max})
    return {"trials_stating_age": stated, "agree": agree, "agreement": agree / stated if stated else 0.0,
            "disagreements": disagreements}


def _norm(text: str) -> str:
    return " ".join(text.casefold().split())


def _numbers(text: str) -> set[float]:
    import re

    return {float(m) for m in re.findall(r"\d+(?:\.\d+)?", text)}


def _covers(constraint: Any, span: str, kind: str) -> bool:
    """Does this constraint (or a window / alternative inside it) cover the annotated span?"""
    if kind == "Negation":
        return getattr(constraint, "present", True) is False or getattr(constraint, "positive", True) is False
    if getattr(constraint, "type", None) == "review":
        return False
    texts = [getattr(constraint, "text", "") or ""]
    values: set[float] = set()
    for part in [constraint, *(getattr(constraint, "alternatives", None) or [])]:
        texts.append(getattr(part, "text", "") or "")
        for name in ("value", "upper"):
            if isinstance(getattr(part, name, None), (int, float)):
                values.add(float(getattr(part, name)))
        window = getattr(part, "window", None)
        if window is not None:
            texts.append(window.text or "")
            values.add(float(window.amount))
    if any(span in _norm(t) for t in texts if t):
        return True
    numbers = _numbers(span)
    return kind in ("Value", "Temporal") and bool(numbers) and numbers <= values


def chia_recall(folder: str | Path, docs: int = 200) -> dict[str, Any]:
    """Recall of Chia's Measurement, Value, Temporal and Negation spans by our parse of their line.

    Each Chia ``.txt`` line is one criterion, parsed alone (inclusion or exclusion from the
    file name). A Measurement, Value or Temporal span is recalled when its text is inside the
    text of a constraint of that line (or of its time window / alternatives), or, for Value and
    Temporal, when its numbers are all values of those constraints; a Negation span is
    recalled when the line yields a negated constraint (absent / not). Reads the first
    ``docs`` documents in name order.
    """
    folder = Path(folder)
    spans: list[tuple[str, int, str]] = []  # (type, line number in `lines`, normalized text)
    lines: list[Criterion] = []
    for txt in sorted(folder.glob("*.txt"))[:docs]:
        ann = txt.with_suffix(".ann")
        if not ann.is_file():
            continue
        text = txt.read_text(encoding="utf-8")
        kind = "exclusion" if txt.stem.endswith("_exc") else "inclusion"
        starts, pos = [], 0
        base = len(lines)
        for line in text.split("\n"):
            starts.append(pos)
            lines.append(Criterion(kind=kind, text=line, index=0))
            pos += len(line) + 1
        for row in ann.read_text(encoding="utf-8").splitlines():
            parts = row.split("\t")
            if len(parts) < 3 or not parts[0].startswith("T"):
                continue
            head = parts[1].split(" ", 1)
            if head[0] not in CHIA_TYPES or len(head) < 2:
                continue
            try:
                begin = int(head[1].split(" ")[0])
            except ValueError:
                continue
            line_no = max(i for i, s in enumerate(starts) if s <= begin)
            spans.append((head[0], base + line_no, _norm(parts[2])))
    needed = sorted({i for _, i, _ in spans})
    parsed = dict(zip(needed, parse_criteria([lines[i] for i in needed])))
    total: Counter[str] = Counter()
    hit: Counter[str] = Counter()
    for kind, i, span in spans:
        total[kind] += 1
        pc = parsed[i]
        hit[kind] += any(_covers(c, span, kind) for c in [*pc.constraints, *pc.exceptions])
    return {"documents": min(docs, len(list(folder.glob("*.txt")))),
            "recall": {k: {"spans": total[k], "recalled": hit[k],
                           "recall": hit[k] / total[k] if total[k] else 0.0} for k in CHIA_TYPES}}


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
