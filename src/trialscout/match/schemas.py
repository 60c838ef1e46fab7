"""The JSON shapes of ``POST /api/v1/match`` (documented in the OpenAPI schema) and of ``--json``."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .intake import read_fhir, read_form, read_note, with_place
from .models import MatchRequest, PersonInput


class MatchBody(BaseModel):
    """A profile in exactly one of three forms, where the person is, and how many results they want."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"profile": {"age": 9, "sex": "female", "conditions": ["sepsis"]}, "location": "Chongqing, China"},
        {"note": "52-year-old man with acute-on-chronic liver failure on chronic hepatitis B. Total bilirubin "
                 "210 umol/L, INR 1.9.", "location": "Guangzhou, China", "within": "300km"},
        {"fhir": {"resourceType": "Bundle", "type": "collection", "entry": []}},
    ]})

    profile: dict[str, Any] | None = Field(None, description=(
        "Form data: age, birth_date (YYYY-MM-DD), sex, conditions (names), absent_conditions, labs "
        "[{name, value, unit}], medications, procedures, pregnant, lactating, scores, answers; and optionally "
        "location and within."))
    fhir: dict[str, Any] | None = Field(None, description=(
        "A FHIR R4 Bundle (Patient with address, Condition, Observation with LOINC codes and UCUM units, "
        "MedicationStatement, Procedure). The Patient's address city and country place the person."))
    note: str | None = Field(None, max_length=200_000, description="A clinical note or doctor's letter in English.")
    location: str | None = Field(None, max_length=200, description=(
        "Where the person is: \"Guangzhou, China\", \"Springfield, IL\", \"lat, lon\". Overrides the profile's."))
    within: str | None = Field(None, max_length=40, description="How far they can travel: 300km, 100mi "
                                                                "(default 500km). Nearer trials rank higher.")
    statuses: Literal["open", "any"] = Field("open", description=(
        "open (default): trials a person can join, or whose status is not stated; any: closed trials too."))
    limit: int = Field(20, ge=1, le=100, description="How many ranked trials to return.")
    semantic: bool | None = Field(None, description=(
        "Also find trials close in meaning (needs the `semantic` extra and built vectors): true requires it, "
        "false never uses it, null (default) uses it when available."))

    @model_validator(mode="after")
    def _one_form(self) -> "MatchBody":
        given = [name for name in ("profile", "fhir", "note") if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of 'profile', 'fhir' or 'note'")
        return self

    def person(self, today: date | None = None) -> PersonInput:
        """Raises :class:`~trialscout.match.errors.UnreadableProfile` for a profile that cannot be read."""
        if self.profile is not None:
            person = read_form(self.profile, today)
        elif self.fhir is not None:
            person = read_fhir(self.fhir, today)
        else:
            person = read_note(self.note, today)
        return with_place(person, self.location, self.within)

    def request(self, today: date | None = None) -> MatchRequest:
        return MatchRequest(self.person(today), limit=self.limit, statuses=self.statuses, semantic=self.semantic,
                            today=today)


class CriterionOut(BaseModel):
    index: int = Field(description="The criterion's place in the record (negative: the registry's age/sex limits).")
    kind: Literal["inclusion", "exclusion"]
    text: str
    reason: str


class ConditionOut(BaseModel):
    yours: str = Field(description="The person's condition, as they (or their record) named it.")
    trial_terms: list[str] = Field(description="The trial's conditions (or its title) that match it; empty when "
                                               "the match is in its summary or keywords.")


class ExplanationOut(BaseModel):
    summary: str
    conditions_matched: list[ConditionOut]
    criteria_met: list[CriterionOut] = Field(description="Inclusions met and exclusions known not to apply.")
    questions: list[str] = Field(description="What we still need to know, as questions.")
    deciding_criterion: CriterionOut | None = Field(description="What rules the person out, if anything.")
    criteria_checked: int
    criteria_for_study_team: int
    place: str | None


class SiteOut(BaseModel):
    facility: str | None
    place: str
    distance_km: float | None
    approximate: bool


class MatchOut(BaseModel):
    nct_id: str
    title: str
    display_title: str
    status: str | None
    phases: list[str]
    conditions: list[str]
    verdict: Literal["likely_eligible", "need_more_information", "likely_not_eligible"]
    verdict_words: str
    score: float = Field(description="Rank within the verdict's tier: relevance, nearness, openness, criteria met.")
    nearest_site: SiteOut | None
    found_by: list[str] = Field(description="condition (words), near (words, near you), semantic (meaning).")
    explanation: ExplanationOut
    url: str


class FlagOut(BaseModel):
    code: str
    message: str


class MatchResponse(BaseModel):
    """Ranked trials: likely eligible first, then need more information, then likely not eligible."""

    matches: list[MatchOut]
    searched_for: list[str] = Field(description="The person's conditions we searched for.")
    considered: int = Field(description="How many candidate trials were checked against the profile.")
    place: str | None
    flags: list[FlagOut] = Field(description="Things to check in what was sent (contradictions, language, units).")
    notices: list[str]
    semantic: bool
    elapsed_ms: float
