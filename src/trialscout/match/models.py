"""What matching takes in and gives back: the person's input, the request, each trial's match and its
explanation. Plain frozen dataclasses; ``to_dict`` gives the JSON the API and ``--json`` print."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from ..eligibility import Profile, ProfileFlag

InputKind = Literal["form", "fhir", "note"]
Verdict = Literal["likely_eligible", "need_more_information", "likely_not_eligible"]
#: Trials are shown in this order of verdict; a later verdict never ranks above an earlier one.
VERDICT_ORDER: tuple[Verdict, ...] = ("likely_eligible", "need_more_information", "likely_not_eligible")
VERDICT_WORDS = {"likely_eligible": "You may be able to join",
                 "need_more_information": "We need more information",
                 "likely_not_eligible": "Probably not for you"}
DEFAULT_WITHIN = "500km"
#: Candidates whose criteria are checked for one match (the best by retrieval; at least as many as shown).
CHECKED = 30


@dataclass(frozen=True)
class PersonInput:
    """A person's profile as read from a form, a FHIR bundle or a note, and where they are.

    Held in memory for one match only; never written anywhere."""

    profile: Profile
    kind: InputKind
    place: str | None = None
    within: str | None = None
    note: str | None = None
    notices: tuple[str, ...] = ()

    def conditions(self, limit: int = 6) -> list[str]:
        """The conditions to look for: present and not resolved, as the person (or record) named them."""
        names: dict[str, str] = {}
        for fact in self.profile.conditions:
            if not fact.present or fact.status == "resolved" or fact.relation:
                continue
            name = " ".join(fact.name.split())[:120]
            key = fact.concept or name.lower()
            if name and key not in names:
                names[key] = name
        return list(names.values())[:limit]


@dataclass(frozen=True)
class MatchRequest:
    """One match: whom for, how many results, which statuses, and whether to use semantic retrieval.

    ``statuses``: ``"open"`` (trials a person can join, and those whose status is not stated) or ``"any"``.
    ``semantic``: ``None`` uses it when installed and built, ``True`` requires it, ``False`` never uses it.
    ``evaluate``: how many of the best candidates have their criteria checked (at least ``limit``);
    ``retrieve``: how many candidates to retrieve in all (the rest are listed unchecked, after the checked
    ones, in ``MatchResults.extra["ranked_ids"]``: the evaluation harness scores recall that deep)."""

    person: PersonInput
    limit: int = 20
    statuses: Literal["open", "any"] = "open"
    semantic: bool | None = None
    evaluate: int = CHECKED
    retrieve: int | None = None
    today: date | None = None

    @property
    def checked(self) -> int:
        return max(self.evaluate, self.limit)


@dataclass(frozen=True)
class ConditionMatch:
    """One of the person's conditions and the trial's words that matched it."""

    yours: str
    trial_terms: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"yours": self.yours, "trial_terms": list(self.trial_terms)}


@dataclass(frozen=True)
class CriterionNote:
    """One criterion as an explanation quotes it."""

    index: int
    kind: Literal["inclusion", "exclusion"]
    text: str
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"index": self.index, "kind": self.kind, "text": self.text, "reason": self.reason}


@dataclass(frozen=True)
class Explanation:
    """Why a trial is where it is: conditions matched, criteria met, questions, the deciding criterion."""

    summary: str
    conditions: tuple[ConditionMatch, ...]
    met: tuple[CriterionNote, ...]
    questions: tuple[str, ...]
    deciding: CriterionNote | None = None
    criteria_checked: int = 0
    to_review: int = 0
    place: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"summary": self.summary, "conditions_matched": [c.to_dict() for c in self.conditions],
                "criteria_met": [c.to_dict() for c in self.met], "questions": list(self.questions),
                "deciding_criterion": self.deciding.to_dict() if self.deciding else None,
                "criteria_checked": self.criteria_checked, "criteria_for_study_team": self.to_review,
                "place": self.place}


@dataclass(frozen=True)
class SiteDistance:
    """The trial's site nearest to the person, and how far it is (``None`` when it cannot be placed)."""

    facility: str | None
    place: str
    km: float | None
    approximate: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"facility": self.facility, "place": self.place,
                "distance_km": None if self.km is None else round(self.km, 1), "approximate": self.approximate}


@dataclass(frozen=True)
class TrialMatch:
    nct_id: str
    title: str
    status: str | None
    phases: tuple[str, ...]
    conditions: tuple[str, ...]
    verdict: Verdict
    score: float
    explanation: Explanation
    nearest: SiteDistance | None = None
    found_by: tuple[str, ...] = ()

    @property
    def verdict_words(self) -> str:
        return VERDICT_WORDS[self.verdict]

    @property
    def display_title(self) -> str:
        """The title, or for a record without one, what it is about."""
        if self.title != self.nct_id:
            return self.title
        return f"Untitled study: {', '.join(self.conditions)}" if self.conditions else "Untitled study"

    def to_dict(self) -> dict[str, Any]:
        return {"nct_id": self.nct_id, "title": self.title, "status": self.status, "phases": list(self.phases),
                "display_title": self.display_title, "conditions": list(self.conditions), "verdict": self.verdict, "verdict_words": self.verdict_words,
                "score": round(self.score, 4), "nearest_site": self.nearest.to_dict() if self.nearest else None,
                "found_by": list(self.found_by), "explanation": self.explanation.to_dict(),
                "url": f"/trials/{self.nct_id}"}


@dataclass(frozen=True)
class MatchResults:
    matches: tuple[TrialMatch, ...]
    searched_for: tuple[str, ...]
    considered: int
    place: str | None = None
    flags: tuple[ProfileFlag, ...] = ()
    notices: tuple[str, ...] = ()
    semantic: bool = False
    elapsed_ms: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def offered(self) -> tuple[TrialMatch, ...]:
        """Trials the person may be able to join or needs to tell us more about."""
        return tuple(m for m in self.matches if m.verdict != "likely_not_eligible")

    @property
    def ruled_out(self) -> tuple[TrialMatch, ...]:
        return tuple(m for m in self.matches if m.verdict == "likely_not_eligible")

    @property
    def contradictions(self) -> tuple[str, ...]:
        return tuple(f.message for f in self.flags if f.code == "contradiction")

    def to_dict(self) -> dict[str, Any]:
        return {"matches": [m.to_dict() for m in self.matches], "searched_for": list(self.searched_for),
                "considered": self.considered, "place": self.place,
                "flags": [{"code": f.code, "message": f.message} for f in self.flags],
                "notices": list(self.notices), "semantic": self.semantic, "elapsed_ms": round(self.elapsed_ms, 1)}
