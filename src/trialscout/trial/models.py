"""The one Trial model every source is mapped onto.

A missing field is ``None`` (or an empty list), never an error. Enum-like fields keep
the registry's API v2 spelling (``RECRUITING``, ``PHASE2``, ``DOUBLE``); words for people
come from :mod:`trialscout.plain.labels`.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

_TIME_UNITS_IN_YEARS = {
    "year": 1.0,
    "month": 1 / 12,
    "week": 7 / 365.25,
    "day": 1 / 365.25,
    "hour": 1 / (365.25 * 24),
    "minute": 1 / (365.25 * 24 * 60),
}


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class AgeLimit(_Model):
    """An age bound as the registry states it: ``18 Years`` → value 18, unit ``years``."""

    value: float
    unit: str

    @property
    def years(self) -> float:
        return self.value * _TIME_UNITS_IN_YEARS[self.unit.rstrip("s")]

    def __str__(self) -> str:
        number = int(self.value) if self.value == int(self.value) else self.value
        unit = self.unit if number != 1 else self.unit.rstrip("s")
        return f"{number} {unit}"


class DatePoint(_Model):
    """A registry date (``2024-12`` or ``2024-12-16``) and whether it is ACTUAL or ESTIMATED."""

    date: str
    type: str | None = None

    @property
    def estimated(self) -> bool:
        return self.type == "ESTIMATED"


class Contact(_Model):
    name: str | None = None
    role: str | None = None
    phone: str | None = None
    phone_ext: str | None = None
    email: str | None = None
    affiliation: str | None = None


class Site(_Model):
    """One location of a trial, with its own recruitment status."""

    facility: str | None = None
    city: str | None = None
    state: str | None = None
    zip: str | None = None
    country: str | None = None
    status: str | None = None
    lat: float | None = None
    lon: float | None = None
    contacts: list[Contact] = Field(default_factory=list)

    @property
    def place(self) -> str:
        """City, region, postcode and country joined as a postal line."""
        return ", ".join(p for p in (self.city, self.state, self.zip, self.country) if p)


class Intervention(_Model):
    type: str | None = None
    name: str
    description: str | None = None
    other_names: list[str] = Field(default_factory=list)
    arm_labels: list[str] = Field(default_factory=list)


class Arm(_Model):
    label: str
    type: str | None = None
    description: str | None = None
    interventions: list[str] = Field(default_factory=list)


class Design(_Model):
    primary_purpose: str | None = None
    allocation: str | None = None
    intervention_model: str | None = None
    intervention_model_description: str | None = None
    masking: str | None = None
    who_masked: list[str] = Field(default_factory=list)
    masking_description: str | None = None
    observational_model: str | None = None
    time_perspective: str | None = None


class Enrollment(_Model):
    count: int | None = None
    type: str | None = None

    @property
    def estimated(self) -> bool:
        return self.type == "ESTIMATED"


class Eligibility(_Model):
    criteria: str | None = None
    sex: str | None = None
    gender_based: bool | None = None
    minimum_age: AgeLimit | None = None
    maximum_age: AgeLimit | None = None
    healthy_volunteers: bool | None = None
    std_ages: list[str] = Field(default_factory=list)
    study_population: str | None = None


class Outcome(_Model):
    kind: str
    measure: str
    description: str | None = None
    time_frame: str | None = None


class Reference(_Model):
    pmid: str | None = None
    type: str | None = None
    citation: str | None = None


class MeshTerm(_Model):
    id: str | None = None
    term: str


class Trial(_Model):
    """Everything a trial page shows, from any registry source; ``raw`` keeps the record."""

    nct_id: str
    org_study_id: str | None = None
    secondary_ids: list[str] = Field(default_factory=list)
    brief_title: str | None = None
    official_title: str | None = None
    acronym: str | None = None
    overall_status: str | None = None
    why_stopped: str | None = None
    phases: list[str] = Field(default_factory=list)
    study_type: str | None = None
    sponsor: str | None = None
    sponsor_class: str | None = None
    collaborators: list[str] = Field(default_factory=list)
    start: DatePoint | None = None
    primary_completion: DatePoint | None = None
    completion: DatePoint | None = None
    first_posted: DatePoint | None = None
    last_update_posted: DatePoint | None = None
    brief_summary: str | None = None
    detailed_description: str | None = None
    conditions: list[str] = Field(default_factory=list)
    keywords: list[str] = Field(default_factory=list)
    condition_meshes: list[MeshTerm] = Field(default_factory=list)
    condition_ancestors: list[MeshTerm] = Field(default_factory=list)
    intervention_meshes: list[MeshTerm] = Field(default_factory=list)
    intervention_ancestors: list[MeshTerm] = Field(default_factory=list)
    interventions: list[Intervention] = Field(default_factory=list)
    arms: list[Arm] = Field(default_factory=list)
    design: Design = Field(default_factory=Design)
    enrollment: Enrollment | None = None
    eligibility: Eligibility = Field(default_factory=Eligibility)
    outcomes: list[Outcome] = Field(default_factory=list)
    central_contacts: list[Contact] = Field(default_factory=list)
    officials: list[Contact] = Field(default_factory=list)
    locations: list[Site] = Field(default_factory=list)
    references: list[Reference] = Field(default_factory=list)
    has_results: bool = False
    source_format: str = "ctgov-api-v2"
    source_note: str | None = None
    raw: dict[str, Any] = Field(default_factory=dict, repr=False)

    @property
    def title(self) -> str:
        """The best title the record has: brief, then official, else "Untitled study: CONDITIONS"."""
        if self.brief_title or self.official_title:
            return self.brief_title or self.official_title  # type: ignore[return-value]
        return f"Untitled study: {', '.join(self.conditions[:3])}" if self.conditions else "Untitled study"

    @property
    def is_registry_id(self) -> bool:
        """True for a ClinicalTrials.gov NCT id; False for a local transcription id."""
        return self.nct_id.startswith("NCT")

    @property
    def registry_url(self) -> str | None:
        return f"https://clinicaltrials.gov/study/{self.nct_id}" if self.is_registry_id else None
