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
import re
import time
from collections import Counter
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from .constraints import ParsedCriterion, ParsedEligibility
from .criteria import Criterion
from .errors import AnnotationsError, ProfileError
from .evaluate import evaluate
from .parse import parse_criteria
from .ruleset import cue_matcher, load_rules_file
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


_ANNOTATION_FIELDS = ("patient_id", "note", "criterion_type", "criterion_text", "expert_eligibility")
_KINDS = {"inclusion", "exclusion"}


def read_annotations(path: str | Path) -> list[dict[str, Any]]:
    """The (note, criterion, expert label) rows of a TrialGPT annotations file, checked; raises
    :class:`AnnotationsError` naming the first problem."""
    try:
        rows = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise AnnotationsError(f"{path}: not a readable JSON file ({exc})") from None
    if not isinstance(rows, list) or not rows:
        raise AnnotationsError(f"{path}: expected a non-empty JSON list of annotation rows")
    labels = set(_LABELS.values())
    for number, row in enumerate(rows, 1):
        missing = [f for f in _ANNOTATION_FIELDS if not isinstance(row, dict) or f not in row]
        if missing:
            raise AnnotationsError(f"{path}: row {number} lacks {', '.join(missing)}")
        if row["criterion_type"] not in _KINDS or row["expert_eligibility"] not in labels:
            raise AnnotationsError(f"{path}: row {number} has criterion_type {row['criterion_type']!r} and "
                                   f"expert_eligibility {row['expert_eligibility']!r}; expected inclusion or "
                                   f"exclusion, and one of {', '.join(sorted(labels))}")
        if not isinstance(row["note"], str) or not isinstance(row["criterion_text"], (str, type(None))):
            raise AnnotationsError(f"{path}: row {number}: note and criterion_text must be text")
    return rows


def score_trialgpt(path: str | Path, today: date = date(2024, 1, 1), verbose: bool = True) -> dict[str, Any]:
    """Accuracy of our verdicts against the expert labels in ``path`` (TrialGPT criterion annotations JSON)."""
    rows = read_annotations(path)
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
AGE_METHOD = (
    "over the demo trials whose criteria text states an age bound (parsed without the structured ages), the "
    "text's bounds are compared with the record's minimum_age / maximum_age. The record counts completed units "
    "(ClinicalTrials.gov: a maximum of '64 Years' admits everyone before their 65th birthday), so a text bound "
    "is read in the record's whole units: '>= 18' and '<= 65' are 18 and 65. An exclusive bound has two "
    "readings, and either agrees: '< 65' is 64 (the convention) or 65 (the boundary number, which registrants "
    "enter about as often); '> 40' is 40 (from the 40th birthday) or 41. 'Between 18 and 65' with no word such "
    "as 'inclusive' is read both ways (18 or 19, 65 or 64; rules/ages.json). In an exclusion the comparison is "
    "turned round (excluding 'age < 18' allows '>= 18'). The inclusions give the widest range they state "
    "(lowest minimum, highest maximum: arms and sub-groups are alternatives); an exclusion narrows it "
    "(excluding 'under 6 years' does not lower an inclusion's 7); an exclusion counts only when ages are all it "
    "names ('Male over 60 who has sustained a fracture' excludes those men, not everyone over 60). Criteria under a donor's heading ('Donor "
    "Inclusion Criteria') are about another person and are left out. A record without a minimum age has a "
    "minimum of 0; a record without a maximum disagrees with a text that states one, and a record with no "
    "structured age at all disagrees with any age the text states (it is counted, and reported as its own "
    "category, with the agreement among trials whose record gives an age beside it)")
_OTHER_PERSON_SECTION = ("donor",)

Bound = tuple[str, float, bool | None]  # ("min" / "max", years, exclusive; None: either way)


@lru_cache(maxsize=1)
def _either_way_range() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """Words of a range read both ways ("between"), and words that close it ("inclusive"): rules/ages.json."""
    data = load_rules_file("ages.json")
    words = [re.compile(r"(?i)\b(?:" + "|".join(map(re.escape, data[key])) + r")\b")
             for key in ("either_way_ranges", "inclusive_words")]
    return words[0], words[1]


def _read_both_ways(comparator: str, lower_exclusive: bool, upper_exclusive: bool, text: str) -> bool:
    """True for a range such as "between the ages of 18 and 65", which registrants enter as 18 to 65 or 19 to 64."""
    if comparator != "between" or lower_exclusive or upper_exclusive:
        return False
    either, inclusive = _either_way_range()
    return bool(either.search(text)) and not inclusive.search(text)


def _allowed(comparator: str, value: float, upper: float | None, lower_exclusive: bool, upper_exclusive: bool,
             exclusion: bool) -> list[Bound]:
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


def _readings(bound: Bound, step: float) -> list[float]:
    """A text bound in whole record units (``step`` years), as ``AGE_METHOD`` says: the convention first,
    then, for an exclusive bound, the boundary number ("< 65": 64, then 65; "> 40": 40, then 41)."""
    kind, value, exclusive = bound
    units = value / step
    if abs(units - round(units)) >= 1e-6:  # "<= 17.99" is 17; "> 17.5" is 18
        return [(math.ceil(units) if kind == "min" else math.floor(units)) * step]
    whole = round(units)
    if exclusive is None:  # "between 18 and 65": 18 or 19, 65 or 64 (the inclusive reading first)
        return [whole * step, (whole + 1 if kind == "min" else whole - 1) * step]
    if not exclusive:
        return [whole * step]
    return [whole * step, (whole + 1) * step] if kind == "min" else [(whole - 1) * step, whole * step]


def _side(kind: str, included: list[Bound], excluded: list[Bound], step: float) -> list[float]:
    """The readings of the text's bound on one side: the widest inclusion, narrowed by the exclusions."""
    lowest = kind == "min"
    pick = (min if lowest else max)
    candidates: list[Bound] = []
    if included:
        first = pick(_readings(b, step)[0] for b in included)
        candidates = [b for b in included if abs(_readings(b, step)[0] - first) < 1e-9]
    if excluded:
        tight = (max if lowest else min)(_readings(b, step)[0] for b in excluded)
        if not candidates or (tight > _readings(candidates[0], step)[0] if lowest
                              else tight < _readings(candidates[0], step)[0]):
            candidates = [b for b in excluded if abs(_readings(b, step)[0] - tight) < 1e-9]
    return list(dict.fromkeys(round(r, 9) for b in candidates for r in _readings(b, step)))  # convention first


def _step(limit: Any) -> float:
    """One unit of the record's age field in years (a year, or a month for "6 Months")."""
    if limit is None or not limit.value:
        return 1.0
    return limit.years / limit.value


def _category(text_min: list[float], text_max: list[float], rec_min: float | None, rec_max: float | None) -> str:
    if rec_min is None and rec_max is None:
        return "record gives no age"
    if (text_max and rec_max is None) or (text_min and rec_min is None and min(text_min) > 0):
        return "record has no bound where the text has one"
    return "numbers differ"


def age_agreement(trials: Any) -> dict[str, Any]:
    """Trials whose criteria text states an age bound, and how many agree with the structured fields.

    How bounds are compared is ``AGE_METHOD`` (also in the result as ``method``). Each
    disagreement lists the criteria its text bounds come from, for review, and a category.
    """
    from .parse import parse_eligibility

    stated = agree = boundary = with_record = agree_with_record = 0
    disagreements: list[dict[str, Any]] = []
    for trial in trials:
        elig = trial.eligibility
        if not elig.criteria:
            continue
        try:
            parsed = parse_eligibility(elig.criteria)
        except Exception:  # noqa: BLE001 - an unparseable record states no age we can read
            continue
        included: list[Bound] = []
        excluded: list[Bound] = []
        sources: list[str] = []
        for pc in parsed.criteria:
            section = (pc.criterion.section or "").casefold()
            if any(word in section for word in _OTHER_PERSON_SECTION):
                continue
            for c in pc.constraints:
                if getattr(c, "type", None) == "age":
                    exclusion = pc.criterion.kind == "exclusion"
                    lower_open = getattr(c, "lower_exclusive", False)
                    upper_open = getattr(c, "upper_exclusive", False)
                    bounds = _allowed(c.comparator, c.value, c.upper, lower_open, upper_open, exclusion)
                    if _read_both_ways(c.comparator, lower_open, upper_open, pc.criterion.text):
                        bounds = [(kind, years, None) for kind, years, _ in bounds]
                    if exclusion and any(getattr(o, "type", None) != "age" for o in pc.constraints):
                        continue  # "Male over 60 who has sustained a fracture": the age only narrows the exclusion
                    (excluded if exclusion else included).extend(bounds)
                    source = f"{pc.criterion.kind}: {pc.criterion.text}"
                    if bounds and source not in sources:
                        sources.append(source)
        if not included and not excluded:
            continue
        stated += 1
        rec_min = elig.minimum_age.years if elig.minimum_age else None
        rec_max = elig.maximum_age.years if elig.maximum_age else None
        text_min = _side("min", [b for b in included if b[0] == "min"], [b for b in excluded if b[0] == "min"],
                         _step(elig.minimum_age))
        text_max = _side("max", [b for b in included if b[0] == "max"], [b for b in excluded if b[0] == "max"],
                         _step(elig.maximum_age))
        checks = [(text_min, rec_min if rec_min is not None else 0.0), (text_max, rec_max)]  # no minimum: 0
        ok = all(rec is not None and any(abs(t - rec) <= AGE_TOLERANCE for t in txt) for txt, rec in checks if txt)
        agree += ok
        boundary += ok and any(rec is not None and abs(txt[0] - rec) > AGE_TOLERANCE for txt, rec in checks if txt)
        if rec_min is not None or rec_max is not None:
            with_record += 1
            agree_with_record += ok
        if not ok:
            disagreements.append({
                "trial": trial.nct_id, "category": _category(text_min, text_max, rec_min, rec_max),
                "text_min": text_min or None, "text_max": text_max or None,
                "record_min": str(elig.minimum_age) if elig.minimum_age else None,
                "record_max": str(elig.maximum_age) if elig.maximum_age else None, "criteria": sources})
    return {"trials_stating_age": stated, "agree": agree, "agreement": agree / stated if stated else 0.0,
            "agree_by_boundary_reading": boundary,
            "trials_stating_age_with_record_age": with_record, "agree_with_record_age": agree_with_record,
            "agreement_with_record_age": agree_with_record / with_record if with_record else 0.0,
            "categories": dict(Counter(d["category"] for d in disagreements)),
            "method": AGE_METHOD, "disagreements": disagreements}


def _norm(text: str) -> str:
    return " ".join(text.casefold().split())


def _numbers(text: str) -> set[float]:

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
