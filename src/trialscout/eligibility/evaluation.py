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

An inclusion the person probably meets (``open == "detail"``: the note has the
condition, the criterion narrows it with words only the study team can judge)
counts as met, as the trial verdict counts it. ``not_applicable`` maps to "not
applicable", except for items the study team
settles (consent, visits, the doctors' judgement), which a note cannot decide and
count as unknown. Two figures are reported:

* *strict*: an unknown criterion is "not enough information".
* *closed world*: the annotators' convention that a note is a complete account,
  so a condition, medicine, procedure or pregnancy it does not mention is absent.
  An unknown criterion is evaluated again on the note's profile marked
  ``complete``; the convention is used only where it favours the patient, as the
  annotators do: an inclusion that becomes met ("not previously diagnosed with
  cervical cancer") is "included", an exclusion that does not become met is "not
  excluded" — except when the exclusion is only about lab values or scores the
  note does not give ("WBC > 15000"), or rests on a test's result ("positive result
  on screening for hepatitis B", "chest CT shows ...", cue list ``test_result``): a
  complete note lists diagnoses, not every test, so those stay "not enough
  information". Two refinements: a lab-only exclusion with a qualifier left unread
  ("creatinine > 1.28 mg/dl without referring physician approval", at most four
  words) is still only about a test; and when the note reports the very test the
  criterion cites ("Chest radiography shows heart failure", "A chest x-ray is
  notable for ..."), the note gives that test's findings, so the convention applies.
  An exclusion worded only as an absence ("No evidence of acute infection",
  "Patients without lupus") is a requirement filed under exclusions: a note silent
  on it leaves the person "not excluded", as the annotators read it.

The harness reads files; the engine it scores does not.
"""

from __future__ import annotations

import json
import math
import time
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

from .constraints import ParsedCriterion, ParsedEligibility
from .criteria import Criterion
from .errors import ProfileError
from .evaluate import evaluate
from .parse import parse_criteria
from .ruleset import cue_matcher
from .profile import Profile, profile_from_note

_LABELS = {
    ("inclusion", "met"): "included", ("inclusion", "not_met"): "not included",
    ("inclusion", "unknown"): "not enough information", ("inclusion", "not_applicable"): "not applicable",
    ("exclusion", "met"): "excluded", ("exclusion", "not_met"): "not excluded",
    ("exclusion", "unknown"): "not enough information", ("exclusion", "not_applicable"): "not applicable",
}


def _majority(kind: str) -> str:
    return "not enough information" if kind == "inclusion" else "not excluded"


def _status(pc: ParsedCriterion, profile: Profile, today: date) -> str:
    result = evaluate(ParsedEligibility(criteria=[pc]), profile, today=today).criteria[0]
    if result.open == "detail":
        return "met"  # the person has what it names; only a detail is left to the study team
    return "unknown" if result.study_team else result.status  # the study team's items: a note cannot say


_MEASURED = {"lab", "score"}
_FEW_WORDS = 4


def _cites_a_test(text: str) -> bool:
    """Does the criterion rest on a test's result ("positive result on screening", "CT shows", "on ECG")?"""
    return cue_matcher("test_result").search(text) is not None


_REPORTED_TESTS = ("reported_test_chest_xray", "reported_test_ct", "reported_test_mri", "reported_test_ecg",
                   "reported_test_echo", "reported_test_ultrasound")


def _note_reports_the_test(text: str, profile: Profile) -> bool:
    """Does the note report the very test the criterion cites ("Chest radiography shows ..." and "A chest x-ray
    is notable for ...")? Then the note gives that test's findings, and what it does not name was not seen."""
    note = " ".join(profile.sentences)
    return any(cue_matcher(cue).search(text) is not None and cue_matcher(cue).search(note) is not None
               for cue in _REPORTED_TESTS)


_ENTITIES = {"condition", "medication", "procedure"}


def _only_absences(pc: ParsedCriterion) -> bool:
    """Is the criterion only about things being absent ("No evidence of acute infection", "without lupus")?"""
    named = [c for c in pc.constraints if c.type in _ENTITIES]
    return bool(named) and len(named) == len(pc.constraints) and not any(c.present for c in named)  # type: ignore[union-attr]


def _closed_world_label(kind: str, pc: ParsedCriterion, complete: Profile, today: date) -> str:
    """The label of an unknown criterion under the closed-world convention (see the module docstring)."""
    if kind == "exclusion" and _cites_a_test(pc.criterion.text) \
            and not _note_reports_the_test(pc.criterion.text, complete):
        return "not enough information"  # "positive result on screening for ...", "chest CT shows ..."
    status = _status(pc, complete, today)
    if kind == "inclusion":
        return "included" if status == "met" else "not enough information"
    if status == "met":
        if _only_absences(pc):  # "No evidence of acute infection" filed as an exclusion: silence does not exclude
            return "not excluded"
        return "not enough information"
    if status == "unknown" and all(c.type in _MEASURED for c in pc.constraints) \
            and len(pc.uncovered.split()) <= _FEW_WORDS:  # at most a qualifier left ("without physician approval")
        return "not enough information"  # only tests the note does not report

    return "not excluded"


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
    complete = {pid: p.model_copy(update={"complete": True}) for pid, p in profiles.items()}
    for row, pc in zip(rows, parsed):
        kind, gold = row["criterion_type"], row["expert_eligibility"]
        label = _LABELS[(kind, _status(pc, profiles[row["patient_id"]], today))]
        closed_label = label
        if label == "not enough information":
            closed_label = _closed_world_label(kind, pc, complete[row["patient_id"]], today)
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
AGE_METHOD = ("each age bound in the criteria text (parsed without the structured ages; in an exclusion the "
              "comparison is turned round: excluding 'age < 18' allows '>= 18', excluding 'age >= 80' allows "
              "'< 80') is read as the record's fields are, in whole years (months where the record gives "
              "months): a minimum is the birthday from which one may join ('> 18' and '>= 18' are both 18: they "
              "differ on that day only), a maximum the last age one may have ('<= 65' is 65, '< 65' is 64, "
              "'<= 17.99' is 17); the lowest minimum and the highest maximum must equal the record's "
              "minimum_age / maximum_age (a record without a minimum age has a minimum of 0)")


def _allowed(comparator: str, value: float, upper: float | None, lower_exclusive: bool, upper_exclusive: bool,
             exclusion: bool) -> list[tuple[str, float, bool]]:
    """The bounds an age constraint puts on who may join: (``min``/``max``, years, exclusive)."""
    if exclusion:  # excluding "age > 65" allows up to 65; excluding "age >= 80" allows under 80
        flipped = {">": ("max", False), ">=": ("max", True), "<": ("min", False), "<=": ("min", True)}
        return [(flipped[comparator][0], value, flipped[comparator][1])] if comparator in flipped else []
    if comparator in (">", ">="):
        return [("min", value, comparator == ">")]
    if comparator in ("<", "<="):
        return [("max", value, comparator == "<")]
    if comparator == "between":
        return [("min", value, lower_exclusive), ("max", upper if upper is not None else value, upper_exclusive)]
    return []


def _completed(bound: tuple[str, float, bool], record: float) -> float:
    """A text bound in the record's whole units (years, else months), read as ``AGE_METHOD`` says."""
    kind, value, exclusive = bound
    step = 1.0 if abs(record - round(record)) < 1e-6 else 1.0 / 12.0
    units = value / step
    whole = abs(units - round(units)) < 1e-6
    if kind == "min":  # from the birthday on: "> 18" and ">= 18" both start at 18
        return (round(units) if whole else math.ceil(units)) * step
    if whole:  # the last age one may have: "<= 65" is 65, "< 65" is 64
        return (round(units) - (1 if exclusive else 0)) * step
    return math.floor(units) * step


def age_agreement(trials: Any) -> dict[str, Any]:
    """Trials whose criteria text states an age bound, and how many agree with the structured fields.

    How bounds are compared is ``AGE_METHOD`` (also in the result as ``method``): the record's
    ages count completed years, so the text's bounds are read the same way.
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
        bounds: list[tuple[str, float, bool]] = []
        for pc in parsed.criteria:
            for c in pc.constraints:
                if getattr(c, "type", None) == "age":
                    bounds += _allowed(c.comparator, c.value, c.upper, getattr(c, "lower_exclusive", False),
                                       getattr(c, "upper_exclusive", False), pc.criterion.kind == "exclusion")
        if not bounds:
            continue
        stated += 1
        rec_min = elig.minimum_age.years if elig.minimum_age else None
        rec_max = elig.maximum_age.years if elig.maximum_age else None
        lows = [_completed(b, rec_min if rec_min is not None else 0.0) for b in bounds if b[0] == "min"]
        highs = [_completed(b, rec_max if rec_max is not None else 0.0) for b in bounds if b[0] == "max"]
        text_min, text_max = (min(lows) if lows else None), (max(highs) if highs else None)
        ok = all(rec is not None and abs(txt - rec) <= AGE_TOLERANCE
                 for txt, rec in ((text_min, rec_min if rec_min is not None else 0.0), (text_max, rec_max))
                 if txt is not None)  # no minimum age is a minimum of 0 ("Age: 0-65 years")
        agree += ok
        if not ok:
            disagreements.append({"trial": trial.nct_id, "text_min": text_min, "text_max": text_max,
                                  "record_min": rec_min, "record_max": rec_max})
    return {"trials_stating_age": stated, "agree": agree, "agreement": agree / stated if stated else 0.0,
            "method": AGE_METHOD, "disagreements": disagreements}


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
