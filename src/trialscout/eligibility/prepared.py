"""A profile made ready for checking one trial: answers applied, lookups done once instead of per criterion.

``evaluate`` builds one ``PreparedProfile`` per call (nothing is kept between calls, so a profile
changed between two calls is read afresh), unless it is given one (``prepare_profile``) to check one
person against many trials. What every criterion of a trial would otherwise recompute
is computed here at most once: the age on the day, each fact's vocabulary concept and its broader
concepts, the lab results of an analyte newest first.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from typing import Any, NamedTuple, Union

from .constraints import completed_age_words
from .profile.form import apply_answers
from .profile.models import ConditionFact, Evidence, LabFact, MedicationFact, ProcedureFact, Profile
from .ruleset import Vocabulary, vocabulary

Fact = Union[ConditionFact, MedicationFact, ProcedureFact]
#: One fact with its concept (given, or looked up by name) and that concept's broader concepts.
Entry = tuple[Fact, Union[str, None], frozenset[str]]

_NONE: frozenset[str] = frozenset()


def needs_answers_applied(profile: Profile) -> bool:
    """False when ``apply_answers`` would give back the same facts (no answers, no facts made from answers)."""
    if profile.answers:
        return True
    for facts in (profile.conditions, profile.labs, profile.medications, profile.procedures,
                  profile.family_history):
        for fact in facts:
            if fact.evidence is not None and fact.evidence.source == "answer":
                return True
    return False


class FactIndex(NamedTuple):
    """A kind's facts by what a constraint's concept finds (each with its position in ``entries``).

    ``present``: for every concept, the facts the person has that are it or narrower; ``absent``: the facts
    the person does not have, with their concept; ``unnamed``: facts without a concept (matched by words).
    """

    present: dict[str, list[tuple[int, Fact]]]
    absent: list[tuple[int, Fact, str]]
    unnamed: list[tuple[int, Fact]]


class PreparedProfile:
    """The profile a trial's criteria are checked against, with its per-person lookups."""

    __slots__ = ("profile", "today", "age", "sex", "answers", "evidence", "source", "complete", "sentences",
                 "_entries", "_labs", "_indexes", "outcomes")

    def __init__(self, profile: Profile, today: date) -> None:
        if needs_answers_applied(profile):
            profile = apply_answers(profile)
        self.profile = profile
        self.today = today
        self.age = profile.age_on(today)
        self.sex = profile.sex
        self.answers: dict[str, Any] = profile.answers
        self.evidence: dict[str, Evidence] = profile.evidence
        self.source = profile.source
        self.complete = profile.complete
        self.sentences = profile.sentences
        self._entries: dict[str, list[Entry]] = {}
        self._labs: dict[str, list[LabFact]] = {}
        self._indexes: dict[str, FactIndex | None] = {}
        #: Check outcomes by the content of the constraint checked (the same condition in many trials is checked
        #: once per person); the outcomes are shared, so nothing may change them.
        self.outcomes: dict[tuple[Any, ...], Any] = {}

    def entries(self, kind: str, family: bool = False) -> list[Entry]:
        """The facts a condition (``family``: family history), medication or procedure constraint is checked
        against, in the profile's order, each with its concept and broader concepts."""
        key = "family" if family else kind
        found = self._entries.get(key)
        if found is None:
            p = self.profile
            facts = (p.family_history if family else p.conditions) if kind == "condition" else (
                p.medications if kind == "medication" else p.procedures)
            vocab = vocabulary(kind)
            found = self._entries[key] = [_entry(vocab, fact) for fact in facts]
        return found

    def fact_index(self, kind: str, family: bool = False) -> FactIndex | None:
        """``entries`` arranged for looking up a concept (``None`` when there are no facts): see ``FactIndex``."""
        key = "family" if family else kind
        if key in self._indexes:
            return self._indexes[key]
        entries = self.entries(kind, family)
        found: FactIndex | None = None
        if entries:
            found = FactIndex({}, [], [])
            for position, (fact, concept, ancestors) in enumerate(entries):
                if concept is None:
                    found.unnamed.append((position, fact))
                elif fact.present:
                    for broader in ancestors:
                        found.present.setdefault(broader, []).append((position, fact))
                else:
                    found.absent.append((position, fact, concept))
        self._indexes[key] = found
        return found

    def lab_readings(self, analyte: str) -> list[LabFact]:
        """``Profile.lab_readings``, sorted once per analyte."""
        found = self._labs.get(analyte)
        if found is None:
            found = self._labs[analyte] = self.profile.lab_readings(analyte)
        return found

    def age_evidence(self, age: float) -> Evidence:
        """The evidence shown with an age check (the profile's own, else "age N" from the form)."""
        if "age" in self.evidence:
            return self.evidence["age"]
        return _form_evidence(self.source or "form", f"age {age:.0f}" if age >= 2 else f"age {completed_age_words(age)}")


def prepare_profile(profile: Profile, today: date | None = None) -> PreparedProfile:
    """``profile`` made ready for checking many trials on ``today``: pass it to ``evaluate`` in place of the
    profile when one person is checked against many trials (its lookups are then made once, not per trial).
    It reads ``profile`` as it is now: prepare it again after changing the profile."""
    return PreparedProfile(profile, today or date.today())


@lru_cache(maxsize=1024)
def _form_evidence(source: str, text: str) -> Evidence:
    """One shared (frozen) ``Evidence`` per source and text."""
    return Evidence(source=source, text=text)  # type: ignore[arg-type]


def _entry(vocab: Vocabulary, fact: Fact) -> Entry:
    concept = fact.concept or vocab.lookup(fact.name)
    return fact, concept, vocab.ancestors(concept) if concept else _NONE
