"""Typed constraints that a parsed criterion is made of.

Every model is a frozen pydantic model with a ``type`` discriminator, so a
``ParsedEligibility`` round-trips through JSON (``to_json`` / ``from_json``)
and can be stored beside its trial record.
"""

from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .criteria import Criterion
from .errors import CriteriaError

Comparator = Literal[">", ">=", "<", "<=", "=", "between"]
Context = Literal["current", "historical", "family", "hypothetical", "uncertain"]
TimeUnit = Literal["day", "week", "month", "year"]

PARSE_VERSION = 4  # 4: age rules (ages.py), registry maximum in months as an exclusive bound
_DAYS = {"day": 1.0, "week": 7.0, "month": 30.44, "year": 365.25}


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class TimeWindow(_Frozen):
    """A time qualifier: "within 3 weeks prior to registration", "a course of more than 5 years".

    ``kind``: ``within`` (the event happened in the last N), ``before`` (at least N
    ago), ``duration_at_least`` / ``duration_at_most`` (has lasted at least / at most N).
    """

    kind: Literal["within", "before", "duration_at_least", "duration_at_most"]
    amount: float
    unit: TimeUnit
    anchor: str | None = None
    text: str = ""

    @property
    def days(self) -> float:
        """Length of the window in days."""
        return self.amount * _DAYS[self.unit]


class _Numeric(_Frozen):
    comparator: Comparator
    value: float
    upper: float | None = None
    text: str = ""

    def holds(self, x: float) -> bool:
        """True when ``x`` satisfies the comparison (ranges are inclusive)."""
        c, v = self.comparator, self.value
        if c == ">":
            return x > v
        if c == ">=":
            return x >= v
        if c == "<":
            return x < v
        if c == "<=":
            return x <= v
        if c == "=":
            return abs(x - v) < 1e-9
        return v <= x <= (self.upper if self.upper is not None else v)

    def describe(self, unit: str | None = None) -> str:
        """``"≥ 171 umol/L"`` or ``"between 20 and 40 %"``."""
        from .labs import format_value

        if self.comparator == "between":
            return f"between {format_value(self.value)} and {format_value(self.upper or self.value, unit)}"
        symbol = {">": ">", ">=": "≥", "<": "<", "<=": "≤", "=": "="}[self.comparator]
        return f"{symbol} {format_value(self.value, unit)}"


def _whole(value: float) -> bool:
    return abs(value - round(value)) < 1e-9


class AgeConstraint(_Numeric):
    """Age in years ("Age range from 18 to 65 years old").

    A ``between`` range may leave out an end: "18 to < 65 years" has ``upper_exclusive``
    (a person of 64.9 is in range, one of 65 is not).
    """

    type: Literal["age"] = "age"
    lower_exclusive: bool = False
    upper_exclusive: bool = False

    def holds(self, x: float) -> bool:
        """True when age ``x`` satisfies the limit (a range's ends as the text gives them).

        An inclusive upper end in whole years counts completed years, as ages are spoken: "<= 64 years"
        and "22-64 years" include a person 64 years and 6 months old (up to the 65th birthday).
        """
        if self.comparator == "<=" and _whole(self.value):
            return x < self.value + 1
        if self.comparator != "between":
            return super().holds(x)
        upper = self.upper if self.upper is not None else self.value
        above = x > self.value if self.lower_exclusive else x >= self.value
        if self.upper_exclusive:
            return above and x < upper
        return above and (x < upper + 1 if _whole(upper) else x <= upper)

    def describe(self, unit: str | None = None) -> str:
        """``"between 18 and 65"``, or ``"18 to under 65"`` when the upper end is left out. In years, an end
        under 2 years is said in months or days, as the record gives it ("between 1 month and 18 years")."""
        if unit == "years" and any(_said_in_months_or_days(v) for v in (self.value, self.upper) if v is not None):
            return self._describe_spoken()
        if self.comparator != "between" or not (self.lower_exclusive or self.upper_exclusive):
            return super().describe(unit)
        from .labs import format_value

        low = f"over {format_value(self.value)}" if self.lower_exclusive else format_value(self.value)
        high = "under " if self.upper_exclusive else ""
        return f"{low} to {high}{format_value(self.upper if self.upper is not None else self.value, unit)}"


    def _describe_spoken(self) -> str:
        low = age_words(self.value)
        if self.comparator != "between":
            said = {">": "over", ">=": "at least", "<": "under", "<=": "at most", "=": "exactly"}[self.comparator]
            return f"{said} {low}"
        high = age_words(self.upper if self.upper is not None else self.value)
        if self.lower_exclusive or self.upper_exclusive:
            return f"{'over ' if self.lower_exclusive else ''}{low} to {'under ' if self.upper_exclusive else ''}{high}"
        return f"between {low} and {high}"


def _said_in_months_or_days(years: float) -> bool:
    return 0 < years < 2 and not _whole(years)


def age_words(years: float) -> str:
    """An age as people say it: ``"18 years"``, ``"6 months"`` (under 2 years: months when whole, else days)."""
    from .labs import format_value

    if not _said_in_months_or_days(years):
        return f"{format_value(years)} {'year' if years == 1 else 'years'}"
    months, days = years * 12, round(years * 365.25)
    if abs(months - round(months)) < 0.01:
        return f"{round(months)} {'month' if round(months) == 1 else 'months'}"
    return f"{days} {'day' if days == 1 else 'days'}"


def completed_age_words(years: float) -> str:
    """A person's age in completed units: ``"30 years"``, ``"5 months"``, ``"12 days"`` (under 2 years: months,
    under a month: days)."""
    if years >= 2:
        return f"{int(years)} years"
    months = int(years * 12 + 1e-9)
    if months == 12:
        return "1 year"
    if months >= 1:
        return f"{months} {'month' if months == 1 else 'months'}"
    days = max(0, int(years * 365.25 + 1e-9))
    return f"{days} {'day' if days == 1 else 'days'}"


class SexConstraint(_Frozen):
    """The criterion limits sex (``any`` when it says "male or female")."""

    type: Literal["sex"] = "sex"
    sex: Literal["female", "male", "any"]
    text: str = ""


class LabConstraint(_Numeric):
    """A laboratory value: "Total bilirubin ≥ 171 µmol/L".

    ``unit`` is as written (``None`` when the criterion gives none); ``change``
    marks a rise or fall ("an increase of ≥ 17.1 µmol/L per day", ``per``="day").
    ``alternatives`` are other ways to satisfy the same criterion ("or INR between
    1.5 and 2.6"). A unit of ``x ULN`` is relative to the lab's upper limit of normal:
    "elevated CRP" is CRP > 1 x ULN. ``open_list`` marks analytes named as examples
    ("IL-6 / TNF-α / CRP, etc."): one of them raised meets it, none raised leaves it open.
    """

    type: Literal["lab"] = "lab"
    analyte: str
    unit: str | None = None
    change: Literal["increase", "decrease", "change"] | None = None
    per: TimeUnit | None = None
    alternatives: list[LabConstraint] = Field(default_factory=list)
    open_list: bool = False


class ScoreConstraint(_Numeric):
    """A clinical score or grade: MELD, Child-Pugh, ECOG, BMI, eGFR, NYHA class, HE grade."""

    type: Literal["score"] = "score"
    score: str
    unit: str | None = None


class ConditionConstraint(_Frozen):
    """A diagnosis or finding that must be present (``present``) or absent.

    ``concept`` is the vocabulary id when the term is known (``None`` for a term
    read from the text). ``exact`` is False when the criterion narrows the term
    further ("severe heart disease"): then only its absence can be decided.
    ``text`` is the term with the words that narrow it ("severe active bleeding",
    "acute liver failure in the early and intermediate stages").
    """

    type: Literal["condition"] = "condition"
    term: str
    concept: str | None = None
    present: bool = True
    context: Context = "current"
    exact: bool = True
    window: TimeWindow | None = None
    text: str = ""


class MedicationConstraint(_Frozen):
    """A medicine taken (or not) — "Use of human serum albumin within 3 weeks"."""

    type: Literal["medication"] = "medication"
    term: str
    concept: str | None = None
    present: bool = True
    context: Context = "current"
    exact: bool = True
    window: TimeWindow | None = None
    text: str = ""


class ProcedureConstraint(_Frozen):
    """A procedure had (or not) — "prior lumbar spine fusion surgery"."""

    type: Literal["procedure"] = "procedure"
    term: str
    concept: str | None = None
    present: bool = True
    context: Context = "historical"
    exact: bool = True
    window: TimeWindow | None = None
    text: str = ""


class PregnancyConstraint(_Frozen):
    """Pregnancy, breastfeeding, plans for pregnancy or childbearing potential (women only)."""

    type: Literal["pregnancy"] = "pregnancy"
    states: list[Literal["pregnant", "lactating", "planning", "childbearing_potential"]]
    present: bool = True
    text: str = ""


class ConsentItem(_Frozen):
    """Agreeing to take part (informed consent). Needs no health data.

    ``positive`` False for wording such as "unable to give consent".
    """

    type: Literal["consent"] = "consent"
    positive: bool = True
    text: str = ""


class ComplianceItem(_Frozen):
    """A practical or judgement item the study team settles with the person.

    ``topic``: ``compliance`` (visits, study rules), ``practical`` (language, where
    you live, insurance, contraception), ``judgement`` (the investigator's opinion)
    or ``other_trial`` (taking part in another study). ``applies_to`` limits an item
    to one sex ("women must use birth control").
    """

    type: Literal["compliance"] = "compliance"
    topic: Literal["compliance", "practical", "judgement", "other_trial"] = "compliance"
    positive: bool = True
    applies_to: Literal["female", "male"] | None = None
    text: str = ""


class NeedsReview(_Frozen):
    """A criterion (or part of one) the parser did not understand: kept verbatim."""

    type: Literal["review"] = "review"
    text: str
    reason: str = "not understood by the parser"


Constraint = Annotated[
    Union[AgeConstraint, SexConstraint, LabConstraint, ScoreConstraint, ConditionConstraint,
          MedicationConstraint, ProcedureConstraint, PregnancyConstraint, ConsentItem, ComplianceItem, NeedsReview],
    Field(discriminator="type"),
]


class ParsedCriterion(_Frozen):
    """A criterion with its constraints.

    ``logic`` says how the constraints combine (``all`` or ``any``); ``coverage``
    is ``full`` when every content word was understood, ``partial`` when some
    words were not (they are in ``uncovered``), ``none`` when nothing was (the
    criterion is a single ``NeedsReview``). ``group`` marks a heading whose
    sub-items carry the constraints (``any_of`` when one sub-item suffices).
    ``exceptions`` are constraints named in an "except ..." / "unless ..." / "if ..."
    clause: they can only turn a verdict into "unknown", never decide it.
    """

    criterion: Criterion
    constraints: list[Constraint]
    exceptions: list[Constraint] = Field(default_factory=list)
    logic: Literal["all", "any"] = "all"
    coverage: Literal["full", "partial", "none"] = "full"
    uncovered: str = ""
    group: Literal["heading", "any_of"] | None = None

    @property
    def needs_review(self) -> bool:
        """True when the parser understood nothing of this criterion."""
        return self.coverage == "none"


class ParsedEligibility(_Frozen):
    """Everything parsed from one record's eligibility: the text criteria and the registry fields."""

    version: int = PARSE_VERSION
    criteria: list[ParsedCriterion]
    registry: list[ParsedCriterion] = Field(default_factory=list)

    def all(self) -> list[ParsedCriterion]:
        """Registry-field criteria first (age, sex), then the text criteria."""
        return [*self.registry, *self.criteria]

    def to_json(self) -> str:
        """Serialise to a JSON string (stable field order)."""
        return self.model_dump_json()

    @classmethod
    def from_json(cls, data: str | bytes) -> ParsedEligibility:
        """Rebuild from ``to_json`` output; ``CriteriaError`` when the data is not a stored parse."""
        try:
            return cls.model_validate_json(data)
        except ValidationError as exc:
            raise CriteriaError(f"Stored eligibility parse is invalid ({exc.error_count()} errors): "
                                "re-run parse_eligibility on the record's text.") from exc


LabConstraint.model_rebuild()
