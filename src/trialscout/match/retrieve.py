"""Find candidate trials for a person: for each condition, the trials its words find (vocabulary
expansion, spelling, the person's age, sex and the status filter) and, with a place, those of them with
a site near it (:mod:`hits`); optionally trials close in meaning. The lists are fused by reciprocal rank
(:mod:`fusion`).

A trial found for two of the person's conditions, or by words and by meaning, rises; which searches
found it is kept, so the explanation can say which of the person's conditions it matched. Lists are of
index keys; cards are read once, only for as many candidates as will be checked.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from ..search import InvalidQuery, SearchRequest, SearchService, UnknownPlace, parse_distance
from ..search.documents import trial_key
from ..search.geo import Country, Place
from ..search.query import Distance, Filters, read_filters
from .cards import TrialCard, read_cards
from .fusion import reciprocal_rank_fusion
from .hits import HitsReader
from .models import DEFAULT_WITHIN, PersonInput
from .semantic import Embedder, VectorIndex

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
    within: Distance

    def filters(self) -> Filters:
        return read_filters(SearchRequest(age=self.age, sex=self.sex, status=(self.statuses,)))


class Retriever:
    def __init__(self, search: SearchService, vectors: VectorIndex | None = None,
                 embedder: Embedder | None = None) -> None:
        self.search = search
        self.vectors = vectors
        self.embedder = embedder

    def scope(self, person: PersonInput, statuses: Literal["open", "any"], age: float | None) -> tuple[Scope, list[str]]:
        """The person's filters and place; notes for a place or a distance that could not be read."""
        notes: list[str] = []
        place: Place | None = None
        country: str | None = None
        if person.place:
            try:
                found = self.search.gazetteer.resolve(person.place, suggest=True)
            except (UnknownPlace, InvalidQuery) as exc:
                notes.append(f"{exc.message} Results are not sorted by distance.")
            else:
                if isinstance(found, Country):
                    country = found.name
                else:
                    place = found
        try:
            within = parse_distance(person.within or DEFAULT_WITHIN)
        except InvalidQuery as exc:
            notes.append(f"{exc.message} Looking within {DEFAULT_WITHIN} instead.")
            within = parse_distance(DEFAULT_WITHIN)
        sex = person.profile.sex
        return Scope(None if age is None else max(0.0, min(125.0, age)), sex, statuses, place, country, within), notes

    def retrieve(self, person: PersonInput, scope: Scope, limit: int, use_semantic: bool) -> Retrieval:
        """The best ``limit`` candidates (fused, each with its card and passing the person's filters)."""
        conditions = person.conditions()
        lists: dict[str, list[int]] = {}
        terms: dict[str, tuple[str, ...]] = {}
        notes: list[str] = []
        filters = scope.filters()
        reader = HitsReader(self.search)
        for condition in conditions:
            try:
                found = reader.condition(_words(condition), filters, scope.place, scope.within.km)
            except InvalidQuery as exc:
                notes.append(f"Could not search for \u201c{condition[:60]}\u201d: {exc.message}")
                continue
            lists[f"{LEXICAL}:{condition}"] = found.keys
            if scope.place is not None:
                lists[f"{NEAR}:{condition}"] = found.near
            terms[condition] = tuple(dict.fromkeys(
                e.term for c in found.understood.concepts for e in c.expansions))[:40]
        semantic = use_semantic and self.vectors is not None and self.embedder is not None
        if semantic:
            lists[SEMANTIC] = [trial_key(h.nct_id) for h in self._semantic(person, conditions)]
        fused = reciprocal_rank_fusion(lists)
        candidates: list[Candidate] = []
        position = 0
        while len(candidates) < limit and position < len(fused):
            chunk = fused[position: position + 2 * (limit - len(candidates))]
            position += len(chunk)
            cards = read_cards(self.search.index, [key for key, _, _ in chunk], filters, reader.searcher)
            for key, score, names in chunk:
                card = cards.get(key)
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
