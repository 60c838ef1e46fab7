"""Find candidate trials for a person: one search per condition (vocabulary expansion, the person's age,
sex and the status filter), the same near their place, and optionally trials close in meaning; the lists
are fused by reciprocal rank (:mod:`fusion`).

A trial found for two of the person's conditions, or by words and by meaning, rises; which searches
found it is kept, so the explanation can say which of the person's conditions it matched.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from ..search import InvalidQuery, SearchRequest, SearchService, UnknownPlace
from ..search.geo import Country, Place
from ..search.query import Filters, read_filters
from .cards import TrialCard, read_cards
from .fusion import reciprocal_rank_fusion
from .models import DEFAULT_WITHIN, PersonInput
from .semantic import Embedder, VectorIndex

PER_LIST = 100
SEMANTIC_K = 200
LEXICAL = "condition"
NEAR = "near"
SEMANTIC = "semantic"


@dataclass(frozen=True)
class Candidate:
    """A trial found for the person: its fused score, its card, and which of their conditions found it."""

    card: TrialCard
    fused: float
    found_by: tuple[str, ...]
    conditions: tuple[str, ...]
    terms: dict[str, tuple[str, ...]]  # the person's condition -> the phrases searched for it

    @property
    def nct_id(self) -> str:
        return self.card.nct_id


@dataclass(frozen=True)
class Retrieval:
    candidates: list[Candidate]
    searched_for: tuple[str, ...]
    place: Place | None
    country: str | None
    notes: tuple[str, ...]
    semantic: bool


@dataclass(frozen=True)
class Scope:
    """What every search of one match shares: the person's filters and where they are."""

    age: float | None
    sex: str | None
    statuses: Literal["open", "any"]
    place: Place | None
    country: str | None
    within: str

    def request(self, words: str, near: bool = False) -> SearchRequest:
        return SearchRequest(q=words, age=self.age, sex=self.sex, status=(self.statuses,), per_page=PER_LIST,
                             near=f"{self.place.lat:.5f}, {self.place.lon:.5f}" if near and self.place else None,
                             within=self.within if near and self.place else None)

    def filters(self) -> Filters:
        return read_filters(self.request(""))


class Retriever:
    def __init__(self, search: SearchService, vectors: VectorIndex | None = None,
                 embedder: Embedder | None = None) -> None:
        self.search = search
        self.vectors = vectors
        self.embedder = embedder

    def scope(self, person: PersonInput, statuses: Literal["open", "any"], age: float | None) -> tuple[Scope, list[str]]:
        """The person's filters and place; notes for a place that could not be found."""
        notes: list[str] = []
        place: Place | None = None
        country: str | None = None
        if person.place:
            try:
                found = self.search.gazetteer.resolve(person.place, suggest=True)
            except UnknownPlace as exc:
                notes.append(f"{exc.message} Results are not sorted by distance.")
            except InvalidQuery as exc:
                notes.append(f"{exc.message} Results are not sorted by distance.")
            else:
                if isinstance(found, Country):
                    country = found.name
                else:
                    place = found
        sex = person.profile.sex
        within = person.within or DEFAULT_WITHIN
        return Scope(None if age is None else max(0.0, min(125.0, age)), sex, statuses, place, country, within), notes

    def retrieve(self, person: PersonInput, scope: Scope, limit: int, use_semantic: bool) -> Retrieval:
        conditions = person.conditions()
        lists: dict[str, list[str]] = {}
        terms: dict[str, tuple[str, ...]] = {}
        notes: list[str] = []
        for condition in conditions:
            for near in ((False, True) if scope.place else (False,)):
                try:
                    found = self.search.search(scope.request(_words(condition), near))
                except InvalidQuery as exc:
                    notes.append(f"Could not search for \u201c{condition[:60]}\u201d: {exc.message}")
                    break
                lists[f"{NEAR if near else LEXICAL}:{condition}"] = [h.nct_id for h in found.hits]
                terms[condition] = tuple(dict.fromkeys(
                    e.term for c in found.understood.concepts for e in c.expansions))[:40]
        semantic = use_semantic and self.vectors is not None and self.embedder is not None
        if semantic:
            lists[SEMANTIC] = [h.nct_id for h in self._semantic(person, conditions)]
        fused = reciprocal_rank_fusion(lists)
        ids = [nct_id for nct_id, _, _ in fused[: limit * 2]]
        cards = read_cards(self.search.index, ids, scope.filters())
        candidates = []
        for nct_id, score, names in fused:
            card = cards.get(nct_id)
            if card is None:
                continue
            found_for = tuple(dict.fromkeys(n.partition(":")[2] for n in names if n != SEMANTIC))
            candidates.append(Candidate(card, score, tuple(dict.fromkeys(n.partition(":")[0] for n in names)),
                                        found_for, {c: terms.get(c, ()) for c in found_for}))
            if len(candidates) >= limit:
                break
        return Retrieval(candidates, tuple(conditions), scope.place, scope.country, tuple(notes), semantic)

    def _semantic(self, person: PersonInput, conditions: Sequence[str]):  # type: ignore[no-untyped-def]
        assert self.vectors is not None and self.embedder is not None
        vector = self.embedder.embed([person_text(person, conditions)])[0]
        return self.vectors.search(vector, SEMANTIC_K)


def person_text(person: PersonInput, conditions: Sequence[str]) -> str:
    """What the person is looking for, for embedding: their conditions, then their note."""
    parts = ["; ".join(conditions)] if conditions else []
    if person.note:
        parts.append(" ".join(person.note.split()))
    return ". ".join(parts)


_SPACES = re.compile(r"\s+")


def _words(condition: str) -> str:
    """A condition as search words (the search reads ages and places in text: keep only the condition)."""
    return _SPACES.sub(" ", condition).strip()[:200]
