"""Check one constraint against a profile: three-valued, with a plain reason and evidence.

``Outcome.holds`` is True (the constraint's statement is true of the person),
False, ``None`` (not enough information) or ``"na"`` (it does not concern the
person, e.g. pregnancy for a man, or an item the study team settles).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal, Union

from .constraints import (
    AgeConstraint, ComplianceItem, ConditionConstraint, ConsentItem, Constraint, LabConstraint,
    MedicationConstraint, NeedsReview, PregnancyConstraint, ProcedureConstraint, ScoreConstraint, SexConstraint,
    completed_age_words,
)
from .errors import UnitError
from .labs import analytes, convert, format_unit, format_value, normalize_unit, unit_info
from .prepared import PreparedProfile
from .profile.models import Evidence
from .questions import question_ids
from .scores import missing_inputs, score_value
from .grades import score_spec

Holds = Union[bool, None, Literal["na"]]


@dataclass(slots=True)
class Outcome:
    """Result of one constraint check."""

    holds: Holds
    reason: str
    evidence: list[Evidence] = field(default_factory=list)
    questions: list[str] = field(default_factory=list)
    partly: bool = False  # unknown only because the criterion narrows what the person has ("severe" bleeding)


def _unknown(reason: str, c: Constraint, index: int | None = None) -> Outcome:
    return Outcome(None, reason, [], question_ids(c, index))


def check(c: Constraint, person: PreparedProfile, index: int | None = None) -> Outcome:
    """Dispatch to the check for the constraint's type (``person``: the profile prepared for one trial)."""
    checker = CHECKERS.get(type(c))
    if checker is None:
        return Outcome(None, "This kind of criterion is not checked yet.")
    return checker(c, person, index)


def _sex(c: SexConstraint, person: PreparedProfile, index: int | None) -> Outcome:
    if c.sex == "any":
        return Outcome(True, "Both women and men can take part.")
    if person.sex is None:
        return _unknown("Your sex is not known.", c)
    ev = [person.evidence["sex"]] if "sex" in person.evidence else []
    return Outcome(person.sex == c.sex, f"The criterion is about {c.sex}s; you are {person.sex}.", ev)


def _entity(c: ConditionConstraint | MedicationConstraint | ProcedureConstraint, person: PreparedProfile,
            index: int | None) -> Outcome:
    """The first entity check imports ``entity_checks`` (it imports this module), which takes this one's place
    in ``CHECKERS``."""
    from .entity_checks import check_entity

    return check_entity(c, person, index)


def _consent(c: ConsentItem, person: PreparedProfile, index: int | None) -> Outcome:
    return _agreement(c, person, "consent", "Agreeing to take part is done with the study team; "
                                            "it does not depend on your health.")


#: What each study-team topic is about, said to the person when they have not answered it.
_TOPICS = {"compliance": "This is about taking part in the study (visits, rules); the study team goes "
                         "through it with you.",
           "practical": "This is a practical point (such as language, where you live or birth control); "
                        "the study team goes through it with you.",
           "other_trial": "The study team will ask whether you take part in another study.",
           "judgement": "This is the study doctors' judgement; they decide it with you."}


def _compliance(c: ComplianceItem, person: PreparedProfile, index: int | None) -> Outcome:
    return _agreement(c, person, c.topic, _TOPICS[c.topic])


def _review(c: NeedsReview, person: PreparedProfile, index: int | None) -> Outcome:
    answer = person.answers.get(f"criterion:{index}") if index is not None else None
    if isinstance(answer, bool):
        return Outcome(answer, "You answered this criterion yourself.",
                       [Evidence(source="answer", text=f"your answer: {'yes' if answer else 'no'}")])
    return _unknown("We could not read this criterion automatically; the study team will check it.", c, index)


def _agreement(c: ConsentItem | ComplianceItem, person: PreparedProfile, key: str, na_reason: str) -> Outcome:
    applies_to = c.applies_to if c.type == "compliance" else None  # type: ignore[union-attr]
    if applies_to and person.sex and person.sex != applies_to:
        return Outcome("na", f"This is a rule for {applies_to}s, so it does not apply to you.")
    answer = person.answers.get(key)
    if isinstance(answer, bool):
        ev = [Evidence(source=person.source or "answer", text=f"{key}: {'yes' if answer else 'no'}")]
        holds = answer if c.positive else not answer
        return Outcome(holds, f"You {'agreed' if answer else 'did not agree'} ({key}).", ev)
    return Outcome("na", na_reason)


def _age(c: AgeConstraint, person: PreparedProfile, index: int | None) -> Outcome:
    age = person.age
    if age is None and person.answers.get("age") is not None:
        age = float(person.answers["age"])
    if age is None:
        return _unknown("Your age is not known.", c)
    limit = _age_limit(c.comparator, c.value, c.upper, c.lower_exclusive, c.upper_exclusive)
    said = f"{int(age)}" if age >= 2 else f"{completed_age_words(age)} old"
    return Outcome(c.holds(age), f"You are {said}; the criterion asks for age {limit}.", [person.age_evidence(age)])


@lru_cache(maxsize=4096)
def _age_limit(comparator: str, value: float, upper: float | None, lower_exclusive: bool,
               upper_exclusive: bool) -> str:
    """``AgeConstraint.describe("years")`` of an age limit (it depends on these fields only), made once per limit."""
    return AgeConstraint(comparator=comparator, value=value, upper=upper, lower_exclusive=lower_exclusive,  # type: ignore[arg-type]
                         upper_exclusive=upper_exclusive).describe("years")


# ------------------------------------------------------------------ labs

def _lab_any(c: LabConstraint, person: PreparedProfile, index: int | None = None) -> Outcome:
    outcomes = [_lab(c, person)] + [_lab(alt, person) for alt in c.alternatives]
    if any(o.holds is True for o in outcomes):
        best = next(o for o in outcomes if o.holds is True)
        return Outcome(True, best.reason, best.evidence)
    if all(o.holds is False for o in outcomes):
        reason = " ".join(o.reason for o in outcomes)
        if c.open_list:  # "IL-6 / TNF-α / CRP, etc.": another marker of the kind may still count
            return Outcome(None, f"{reason} The criterion names these as examples, so another result may count; "
                                 "the study team will check.", [e for o in outcomes for e in o.evidence])
        return Outcome(False, reason, [e for o in outcomes for e in o.evidence])
    return Outcome(None, " ".join(o.reason for o in outcomes), [e for o in outcomes for e in o.evidence],
                   list(dict.fromkeys(q for o in outcomes for q in o.questions)))


def _measured(person: PreparedProfile, analyte: str):  # type: ignore[no-untyped-def]
    facts = person.lab_readings(analyte)
    if not facts and analyte in {"weight", "height"}:
        profile = person.profile
        value = profile.weight_kg if analyte == "weight" else profile.height_cm
        if value is not None:
            from .profile.models import LabFact

            unit = "kg" if analyte == "weight" else "cm"
            facts = [LabFact(analyte=analyte, value=value, unit=unit, name=analyte,
                             evidence=Evidence(source=profile.source or "form", text=f"{analyte} {value:g} {unit}"))]
    return facts


#: What a report's flag says about the value as a multiple of the upper limit of normal: (low, high, low is open).
_FLAG_RATIO = {"high": (1.0, float("inf"), True), "normal": (0.0, 1.0, False), "low": (0.0, 1.0, False)}
_FLAG_WORDS = {"high": "above the normal range", "normal": "within the normal range", "low": "below the normal range"}


def _band_holds(c: LabConstraint, low: float, high: float, low_open: bool) -> Holds:
    """Does every value in the band satisfy ``c`` (True), none (False), or some (None)?"""
    def above(v: float, strict: bool) -> Holds:  # x > v (strict) or x >= v for every / no x in the band
        if low > v or (low == v and (low_open or not strict)):
            return True
        return False if high < v or (high == v and strict) else None

    def below(v: float, strict: bool) -> Holds:
        if high < v or (high == v and not strict):
            return True
        return False if low > v or (low == v and (low_open or strict)) else None

    comp = c.comparator
    if comp in {">", ">="}:
        return above(c.value, comp == ">")
    if comp in {"<", "<="}:
        return below(c.value, comp == "<")
    if comp == "between":
        a, b = above(c.value, False), below(c.upper if c.upper is not None else c.value, False)
        return False if False in (a, b) else (True if a is True and b is True else None)
    return None


def _uln_limit(c: LabConstraint) -> str:
    if c.comparator == ">" and c.value == 1:
        return "a value above the normal range"
    return f"{c.describe()} × the upper limit of normal"


def _lab(c: LabConstraint, person: PreparedProfile) -> Outcome:
    label = analytes()[c.analyte].label
    facts = _measured(person, c.analyte)
    qs = question_ids(c, alternatives=False)
    if not facts:
        return Outcome(None, f"Your {label} is not known.", [], qs)
    latest = facts[0]
    ev = [latest.evidence] if latest.evidence else []
    if c.change:
        numeric = [f for f in facts if f.value is not None]
        return _lab_change(c, numeric, label, qs)
    if c.unit == "x ULN":
        if latest.value is not None and latest.reference_high:
            ratio = latest.value / latest.reference_high
            return Outcome(c.holds(ratio), f"Your {label} is {ratio:.2g} × the upper limit of normal; the criterion "
                                           f"asks for {_uln_limit(c)}.", ev)
        if latest.interpretation:
            holds = _band_holds(c, *_FLAG_RATIO[latest.interpretation])
            said = f"Your {label} is {_FLAG_WORDS[latest.interpretation]} (as your lab report says)"
            if holds is None:
                return Outcome(None, f"{said}, but the criterion asks for {_uln_limit(c)}: the value and the report's "
                                     "normal range are needed.", ev, qs)
            return Outcome(holds, f"{said}; the criterion asks for {_uln_limit(c)}.", ev)
        return Outcome(None, f"The criterion asks for {_uln_limit(c)}, and whether your {label} is above the normal "
                             "range of your lab report is not known.", ev, qs)
    if latest.value is None:
        return Outcome(None, f"Your {label} is known only as {_FLAG_WORDS.get(latest.interpretation or '', 'a flag')}; "
                             f"the criterion asks for {c.describe(c.unit)}, so the value is needed.", ev, qs)
    if c.unit is None:
        return Outcome(None, f"The criterion gives no unit for {label}, so it cannot be compared safely.", ev, qs)
    unit = latest.unit or "1"  # a value without a unit (or NO_UNIT) is a plain number, as INR is
    own_unit = normalize_unit(unit)
    wanted = unit_info(c.unit)
    if own_unit == "1" and (wanted is None or wanted.kind != "ratio"):
        return Outcome(None, f"Your {label} value has no unit; give it with the unit on your lab report.", ev, qs)
    try:
        value = convert(latest.value, unit, c.unit, c.analyte)
    except UnitError:
        target = format_unit(c.unit) or "a plain number"
        return Outcome(None, f"Your {label} is in '{format_unit(unit)}', which cannot be converted to {target}; "
                             "give it in a unit from your lab report.", ev, qs)
    shown = format_value(latest.value, own_unit)
    converted = f" ({format_value(value, c.unit)})" if own_unit != normalize_unit(c.unit) else ""
    holds = c.holds(value)
    return Outcome(holds, f"Your {label} is {shown}{converted}; the criterion asks for {c.describe(c.unit)}.", ev)


def _lab_change(c: LabConstraint, facts, label: str, qs: list[str]) -> Outcome:  # type: ignore[no-untyped-def]
    dated = [f for f in facts if f.date is not None]
    if len(dated) < 2 or c.unit is None:
        return Outcome(None, f"Whether your {label} changed by {c.describe(c.unit)}{' per ' + c.per if c.per else ''} "
                             "needs two dated results.", [], qs)
    new, old = dated[0], dated[1]
    try:
        delta = convert(new.value, new.unit or "1", c.unit, c.analyte) - convert(old.value, old.unit or "1", c.unit, c.analyte)
    except UnitError:
        return Outcome(None, f"Your {label} results cannot be converted to {format_unit(c.unit) or 'a plain number'}.",
                       [], qs)
    days = max((new.date - old.date).days, 1)
    per_days = {"day": 1, "week": 7, "month": 30.44, "year": 365.25}.get(c.per or "", days)
    rate = delta / days * per_days
    if c.change == "decrease":
        rate = -rate
    ev = [e for e in (new.evidence, old.evidence) if e]
    return Outcome(c.holds(rate), f"Your {label} changed by {format_value(rate, c.unit)}"
                                  f"{' per ' + c.per if c.per else ''}; the criterion asks for {c.describe(c.unit)}.", ev)


# ------------------------------------------------------------------ scores

def _score(c: ScoreConstraint, person: PreparedProfile, index: int | None = None) -> Outcome:
    profile, today = person.profile, person.today
    spec = score_spec(c.score)
    label = spec["label"]
    value = score_value(profile, c.score, today)
    if value is None:
        inputs = spec.get("computed_from", [])
        missing = missing_inputs(profile, c.score, today)
        # ask only for the inputs still missing ("lab:inr" is the input "inr"); other questions stay
        qs = [q for q in question_ids(c) if q.split(":")[-1] not in inputs or q.split(":")[-1] in missing]
        reason = f"Your {label} is not known."
        if 0 < len(missing) < len(inputs):
            names = [analytes()[m].label if m in analytes() else m for m in missing]
            reason = f"Your {label} is not known yet: it also needs your {' and '.join(names)}."
        return Outcome(None, reason, [], qs)
    lo, hi = value.low, value.high
    if c.comparator == "between":
        upper = c.upper if c.upper is not None else c.value
        holds: Holds = True if lo >= c.value and hi <= upper else (False if hi < c.value or lo > upper else None)
    else:
        a, b = c.holds(lo), c.holds(hi)
        holds = a if a == b else None
    ev_key = f"score:{c.score}"
    ev = [profile.evidence[ev_key]] if ev_key in profile.evidence else [
        Evidence(source="computed" if value.computed else (profile.source or "form"), text=value.how)]
    return Outcome(holds, f"Your {value.how}; the criterion asks for {label} {c.describe()}.", ev)


# ------------------------------------------------------------------ pregnancy

def _pregnancy(c: PregnancyConstraint, person: PreparedProfile, index: int | None = None) -> Outcome:
    profile = person.profile
    if profile.sex == "male":
        return Outcome("na", "This is about pregnancy or breastfeeding, so it does not apply to you.")
    values: list[bool | None] = []
    ev: list[Evidence] = []
    for state in c.states:
        key = {"pregnant": "pregnant", "lactating": "lactating"}.get(state)
        value = getattr(profile, key) if key else profile.answers.get(
            "pregnancy_plan" if state == "planning" else "childbearing_potential")
        if not isinstance(value, bool) and profile.complete and key:
            value = False  # a complete record that does not mention pregnancy or breastfeeding
        values.append(value if isinstance(value, bool) else None)
        if key and key in profile.evidence:
            ev.append(profile.evidence[key])
    has: bool | None = True if any(v is True for v in values) else (False if all(v is False for v in values) else None)
    words = ", ".join(s.replace("_", " ") for s in c.states)
    if has is None:
        return Outcome(None, f"Not known whether this applies to you ({words}).", ev, question_ids(c))
    holds = has if c.present else not has
    return Outcome(holds, f"You said {'yes' if has else 'no'} to: {words}.", ev)


#: The check for each constraint type: ``checker(constraint, person, criterion index) -> Outcome``.
CHECKERS: dict[type, Callable[[Any, PreparedProfile, "int | None"], Outcome]] = {
    AgeConstraint: _age, SexConstraint: _sex, LabConstraint: _lab_any, ScoreConstraint: _score,
    PregnancyConstraint: _pregnancy, ConditionConstraint: _entity, MedicationConstraint: _entity,
    ProcedureConstraint: _entity, ConsentItem: _consent, ComplianceItem: _compliance, NeedsReview: _review,
}

__all__ = ["Holds", "Outcome", "check"]
