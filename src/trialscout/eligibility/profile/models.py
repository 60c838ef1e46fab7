"""The ``Profile`` of a person checking eligibility, and the facts it holds.

Every fact keeps where it came from (``Evidence``): the form field, the FHIR
resource, or the sentence of a clinical note. Contradictions are flagged
(``ProfileFlag``) rather than silently resolved.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Source = Literal["form", "fhir", "note", "answer", "computed"]


class Evidence(BaseModel):
    """Where a fact came from: ``text`` says it in words, ``sentence`` quotes a note."""

    model_config = ConfigDict(frozen=True)

    source: Source
    text: str
    sentence: str | None = None


class ConditionFact(BaseModel):
    """A condition the person has (``present``) or does not have.

    ``status``: ``active`` (now), ``history`` (in the past, may be ongoing) or
    ``resolved``. ``relation`` is set for family history ("mother").
    """

    name: str
    concept: str | None = None
    present: bool = True
    status: Literal["active", "history", "resolved"] = "active"
    onset: dt.date | None = None
    relation: str | None = None
    evidence: Evidence | None = None


Interpretation = Literal["high", "normal", "low"]


class LabFact(BaseModel):
    """One laboratory result with its unit and date, as reported.

    ``interpretation`` is the report's own flag against its normal range ("high" for
    H/HH, "raised IL-6" in a note). A result may carry only the flag (``value`` None):
    then it settles "elevated X" criteria but no numeric threshold.
    """

    analyte: str
    value: float | None = None
    interpretation: Interpretation | None = None
    unit: str | None = None
    date: dt.date | None = None
    name: str | None = None
    reference_low: float | None = None
    reference_high: float | None = None
    evidence: Evidence | None = None


class MedicationFact(BaseModel):
    """A medicine taken now (``active``) or before, or explicitly not taken (``present`` False)."""

    name: str
    concept: str | None = None
    present: bool = True
    active: bool | None = True
    start: dt.date | None = None
    end: dt.date | None = None
    evidence: Evidence | None = None


class ProcedureFact(BaseModel):
    """A procedure the person had (or explicitly did not have)."""

    name: str
    concept: str | None = None
    present: bool = True
    date: dt.date | None = None
    evidence: Evidence | None = None


class ProfileFlag(BaseModel):
    """Something about the input the person or a reviewer should look at."""

    model_config = ConfigDict(frozen=True)

    code: Literal["contradiction", "language", "truncated", "unknown_unit", "unreadable", "implausible", "empty"]
    message: str


class Profile(BaseModel):
    """A person's health facts, built from a form, a FHIR bundle or a clinical note.

    ``answers`` holds replies to trial questions keyed by question id (see
    ``questions.Question``), e.g. ``{"condition:diabetes": False,
    "lab:bilirubin": {"value": 12, "unit": "mg/dL"}}``. ``sentences`` keeps the
    sentences of a note so evaluation can quote them; nothing is stored unless
    the caller stores the profile.

    ``complete`` says the record is a complete account ("closed world"): a
    condition, medicine, procedure, pregnancy or breastfeeding it does not mention
    is absent. Off by default: a person who leaves something out has not denied it.
    The evaluation harness turns it on to follow the annotators' convention.
    """

    age: float | None = None
    birth_date: dt.date | None = None
    sex: Literal["female", "male"] | None = None
    conditions: list[ConditionFact] = Field(default_factory=list)
    family_history: list[ConditionFact] = Field(default_factory=list)
    labs: list[LabFact] = Field(default_factory=list)
    medications: list[MedicationFact] = Field(default_factory=list)
    procedures: list[ProcedureFact] = Field(default_factory=list)
    pregnant: bool | None = None
    lactating: bool | None = None
    height_cm: float | None = None
    weight_kg: float | None = None
    scores: dict[str, float | str] = Field(default_factory=dict)
    answers: dict[str, Any] = Field(default_factory=dict)
    flags: list[ProfileFlag] = Field(default_factory=list)
    sentences: list[str] = Field(default_factory=list)
    source: Source | None = None
    evidence: dict[str, Evidence] = Field(default_factory=dict)
    complete: bool = False

    def age_on(self, today: dt.date | None = None) -> float | None:
        """Age in years on ``today`` (from the birth date when given, else ``age``)."""
        if self.birth_date is not None:
            today = today or dt.date.today()
            return (today - self.birth_date).days / 365.25
        return self.age

    def is_empty(self) -> bool:
        """True when the profile holds no fact and no answer at all."""
        return not (self.age is not None or self.birth_date or self.sex or self.conditions or self.labs
                    or self.medications or self.procedures or self.pregnant is not None
                    or self.lactating is not None or self.height_cm or self.weight_kg or self.scores or self.answers
                    or self.family_history)

    def latest_labs(self, analyte: str) -> list[LabFact]:
        """Numeric results for one analyte, newest first (undated results last)."""
        return [lab for lab in self.lab_readings(analyte) if lab.value is not None]

    def lab_readings(self, analyte: str) -> list[LabFact]:
        """Every result for one analyte, numeric or only flagged high/normal/low, newest first."""
        found = [lab for lab in self.labs if lab.analyte == analyte]
        return sorted(found, key=lambda lab: (lab.date is not None, lab.date or dt.date.min), reverse=True)


def check_consistency(profile: Profile, today: dt.date | None = None) -> Profile:
    """Return ``profile`` with flags for contradictory or implausible facts added."""
    flags = list(profile.flags)

    def flag(code: str, message: str) -> None:
        item = ProfileFlag(code=code, message=message)  # type: ignore[arg-type]
        if item not in flags:
            flags.append(item)

    by_concept: dict[str, set[bool]] = {}
    for fact in profile.conditions:
        key = fact.concept or fact.name.lower()
        if fact.status == "resolved":
            continue
        by_concept.setdefault(key, set()).add(fact.present)
    for key, values in by_concept.items():
        if len(values) > 1:
            flag("contradiction", f"'{key.replace('_', ' ')}' is given both as present and as absent: "
                                  "check which is right; criteria about it stay unknown until then.")
    if profile.sex == "male" and (profile.pregnant or profile.lactating):
        flag("contradiction", "The profile is male but says pregnant or breastfeeding: check the sex and pregnancy answers.")
    if profile.birth_date and profile.age is not None:
        computed = profile.age_on(today)
        if computed is not None and abs(computed - profile.age) > 1.5:
            flag("contradiction", f"Age {profile.age:g} does not match birth date {profile.birth_date}: "
                                  "check both; the birth date is used.")
    age = profile.age_on(today)
    if age is not None and not 0 <= age <= 125:
        flag("implausible", "The age is outside 0-125 years: check the age or birth date.")
    if profile.height_cm is not None and not 30 <= profile.height_cm <= 260:
        flag("implausible", "The height is outside 30-260 cm: check it, and give it in cm or inches.")
    if profile.weight_kg is not None and not 1 <= profile.weight_kg <= 400:
        flag("implausible", "The weight is outside 1-400 kg: check it, and give it in kg or lb.")
    return profile.model_copy(update={"flags": flags})
