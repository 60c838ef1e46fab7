"""Build the index query from what was understood, programmatically (user text never reaches a query parser).

Every concept must match (a trial about liver failure *and* stem cells). A vocabulary concept matches
through the concept tags the index gave each record (from its titles, conditions, treatments, keywords and
MeSH terms, with every broader concept), through the concept's own terms in the longer texts, and through
the words as typed; a plain word matches in any text field, each field weighted (:data:`index.TEXT_FIELDS`).
Filters are exact terms and ranges. A "near" search keeps trials with a site in the grid cells that cover
its circle; the service then measures the exact distance to every site.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
import tantivy
from tantivy import FieldType, Occur, Query

from .documents import CELL_LEVELS, cell_key
from .index import CONCEPT_FIELDS, TEXT_FIELDS, WORDS_ONLY_FIELDS
from .query import Filters, QueryConcept, Understood
from .text import typo_allowance

#: Added to the score of trials a person can join, when the search allows any status.
OPEN_BONUS = 1.5
#: Added when words the person typed next to each other appear next to each other in a field.
PHRASE_BONUS = 1.0
PHRASE_SLOP = 1
FIELD_TIE_BREAKER = 0.2
FUZZY_FIELDS = ("conditions", "title", "interventions", "keywords")
CONCEPT_TIE_BREAKER = 0.3
#: Fields the concept tags do not cover: a concept's own terms are looked for here as text.
LONG_FIELDS = ("summary", "details")
MAX_COVER_CELLS = 300
MAX_FACET_CELLS = 1500
KM_PER_DEGREE_LAT = 110.5
KM_PER_DEGREE_LON_EQUATOR = 111.32


def _field_query(schema: tantivy.Schema, field: str, tokens: tuple[str, ...], within: Query | None = None) -> Query:
    if len(tokens) == 1:
        return restrict(Query.term_query(schema, field, tokens[0]), within)
    return restrict(Query.phrase_query(schema, field, list(tokens), slop=PHRASE_SLOP), within)


def restrict(query: Query, within: Query | None) -> Query:
    """``query`` only where ``within`` matches, scored as ``query`` alone (``within`` adds 0)."""
    if within is None:
        return query
    return Query.boolean_query([(Occur.Must, query), (Occur.Must, Query.const_score_query(within, 0.0))])


def concept_query(schema: tantivy.Schema, concept: QueryConcept, within: Query | None = None) -> Query:
    """A vocabulary concept: the records filed under it (the index tags each record with the concepts its
    titles, conditions, keywords and treatments name, and their broader ones), the concept's own terms in
    the longer texts, and the words as typed anywhere. A plain word: the word in any text field, allowing
    typing errors when the records do not know it. The best match counts, others a little.

    ``within`` (a filter, e.g. a sample of the registry or the grid cells around a place) is applied to every
    part: the same documents and scores as ``concept ∩ within``, but the engine reads the long texts (phrases
    in summaries, the costly part) only of documents in ``within``."""
    options: list[Query] = []
    if concept.concept:
        options += [Query.boost_query(restrict(Query.term_query(schema, field, concept.concept), within), weight)
                    for field, weight in CONCEPT_FIELDS.items()]
        for expansion in concept.expansions:
            if expansion.weight >= 1.0:
                options += [Query.boost_query(_field_query(schema, field, expansion.tokens, within), TEXT_FIELDS[field])
                            for field in LONG_FIELDS
                            if len(expansion.tokens) == 1 or field not in WORDS_ONLY_FIELDS]
        if concept.literal:
            options.append(_in_any_field(schema, concept.literal, 1.0, within))
    else:
        for expansion in concept.expansions:
            options.append(_in_any_field(schema, expansion.tokens, expansion.weight, within))
    for word in concept.fuzzy_words:
        distance = min(2, typo_allowance(word))
        for field in FUZZY_FIELDS:
            fuzzy = Query.fuzzy_term_query(schema, field, concept.expansions[0].tokens[0], distance=distance)
            options.append(Query.boost_query(restrict(fuzzy, within), 0.5 * TEXT_FIELDS[field]))
    if len(options) == 1:
        return options[0]
    return Query.disjunction_max_query(options, tie_breaker=CONCEPT_TIE_BREAKER)


def _in_any_field(schema: tantivy.Schema, tokens: tuple[str, ...], weight: float, within: Query | None = None) -> Query:
    per_field = [Query.boost_query(_field_query(schema, field, tokens, within), field_weight * weight)
                 for field, field_weight in TEXT_FIELDS.items() if len(tokens) == 1 or field not in WORDS_ONLY_FIELDS]
    return Query.disjunction_max_query(per_field, tie_breaker=FIELD_TIE_BREAKER)


def text_query(schema: tantivy.Schema, understood: Understood, require_all: bool = True,
               within: Query | None = None) -> Query | None:
    """All concepts (or, with ``require_all=False``, at least one), plus phrase bonuses; ``None`` for no text.
    With ``within``: only the documents it matches, with the same scores (see :func:`concept_query`)."""
    if not understood.concepts:
        return None
    occur = Occur.Must if require_all else Occur.Should
    clauses = [(occur, concept_query(schema, c, within)) for c in understood.concepts]
    for phrase in understood.phrases:
        bonus = [Query.boost_query(_field_query(schema, field, phrase, within), PHRASE_BONUS * weight)
                 for field, weight in TEXT_FIELDS.items() if weight >= 1.0 and field not in WORDS_ONLY_FIELDS]
        clauses.append((Occur.Should, Query.disjunction_max_query(bonus)))
    return Query.boolean_query(clauses)


def most_matching(searcher: tantivy.Searcher, understood: Understood, require_all: bool = True) -> float:
    """An upper bound on the documents :func:`text_query` can match, from the index's term frequencies alone
    (no posting list is read): a concept matches at most the documents holding any of its terms (a phrase: its
    rarest word); all concepts, at most the rarest concept's. Infinite without words or with typing errors
    allowed (a fuzzy term has no single frequency)."""
    if not understood.concepts:
        return math.inf

    def holding(field: str, tokens: tuple[str, ...]) -> int:
        return min(searcher.doc_freq(field, token) for token in tokens)

    bounds = []
    for concept in understood.concepts:
        if concept.fuzzy_words:  # no single frequency: no bound from this concept
            if not require_all:
                return math.inf
            continue
        found = 0
        if concept.concept:
            found += sum(searcher.doc_freq(field, concept.concept) for field in CONCEPT_FIELDS)
            found += sum(holding(field, e.tokens) for e in concept.expansions if e.weight >= 1.0
                         for field in LONG_FIELDS if len(e.tokens) == 1 or field not in WORDS_ONLY_FIELDS)
            if concept.literal:
                found += sum(holding(field, concept.literal) for field in TEXT_FIELDS
                             if len(concept.literal) == 1 or field not in WORDS_ONLY_FIELDS)
        else:
            found += sum(holding(field, e.tokens) for e in concept.expansions for field in TEXT_FIELDS
                         if len(e.tokens) == 1 or field not in WORDS_ONLY_FIELDS)
        bounds.append(found)
    if not bounds:
        return math.inf
    return min(bounds) if require_all else sum(bounds)


def filter_queries(schema: tantivy.Schema, filters: Filters, with_status: bool = True) -> list[Query]:
    """One query per filter set; a trial must match them all."""
    found: list[Query] = []

    def terms(field: str, values: Iterable[str]) -> None:
        values = sorted(set(values))
        if values:
            found.append(Query.term_set_query(schema, field, values))

    if with_status and filters.statuses is not None:
        terms("status", filters.statuses)
    terms("phase", filters.phases)
    terms("study_type", filters.study_types)
    if filters.sex:
        terms("sex", {"ALL", filters.sex, "NOT_STATED"})
    if filters.age is not None:
        found.append(Query.range_query(schema, "min_age", FieldType.Float, None, filters.age))
        found.append(Query.range_query(schema, "max_age", FieldType.Float, filters.age, None))
    if filters.healthy:
        terms("healthy", {filters.healthy})
    terms("open_country" if filters.open_only and with_status else "country", filters.countries)
    terms("condition", filters.conditions)
    terms("intervention_type", filters.intervention_types)
    for field, (start, end) in (("first_posted", filters.first_posted), ("last_updated", filters.updated)):
        if start or end:
            found.append(Query.range_query(schema, field, FieldType.Date, start, end))
    return found


def open_bonus(schema: tantivy.Schema, open_statuses: Iterable[str]) -> Query:
    return Query.const_score_query(Query.term_set_query(schema, "status", sorted(open_statuses)), OPEN_BONUS)


def covering_cells(lat: float, lon: float, radius_km: float) -> list[str] | None:
    """Grid cells that together cover the circle, at the finest level where they are few; ``None`` when the
    circle covers so much of the earth that filtering by cell would not help."""
    dlat = radius_km / KM_PER_DEGREE_LAT * 1.01
    low, high = lat - dlat, lat + dlat
    if low <= -90 or high >= 90:
        dlon = 180.0
    else:
        widest = math.cos(math.radians(max(abs(low), abs(high))))
        dlon = min(180.0, radius_km / (KM_PER_DEGREE_LON_EQUATOR * max(widest, 1e-6)) * 1.01)
    for level, size in enumerate(CELL_LEVELS):
        rows = range(max(0, math.floor((max(low, -90) + 90) / size)), min(math.ceil(180 / size) - 1,
                                                                          math.floor((min(high, 90) + 90) / size)) + 1)
        columns_total = math.ceil(360 / size)
        if dlon >= 180:
            columns = range(columns_total)
        else:
            first, last = math.floor((lon - dlon + 180) / size), math.floor((lon + dlon + 180) / size)
            columns = range(first, last + 1) if last - first + 1 < columns_total else range(columns_total)
        if len(rows) * len(columns) <= MAX_COVER_CELLS:
            keys = {f"{level}:{row}:{column % columns_total}" for row in rows for column in columns}
            keys.add(cell_key(level, lat, lon))
            return sorted(keys)
    return None


def facet_cells(lat: float, lon: float, radius_km: float) -> list[str] | None:
    """The finest cells (at most :data:`MAX_FACET_CELLS`) that cover the circle's box: the facet counts of a
    "near" search come from one aggregation over the trials with a site in them."""
    dlat = radius_km / KM_PER_DEGREE_LAT * 1.01
    low, high = lat - dlat, lat + dlat
    if low <= -90 or high >= 90:
        return None
    widest = math.cos(math.radians(max(abs(low), abs(high))))
    dlon = radius_km / (KM_PER_DEGREE_LON_EQUATOR * max(widest, 1e-6)) * 1.01
    if dlon >= 180:
        return None
    for level, size in enumerate(CELL_LEVELS):
        rows = range(math.floor((low + 90) / size), math.floor((high + 90) / size) + 1)
        first, last = math.floor((lon - dlon + 180) / size), math.floor((lon + dlon + 180) / size)
        columns_total = math.ceil(360 / size)
        if last - first + 1 >= columns_total:
            return None
        if len(rows) * (last - first + 1) <= MAX_FACET_CELLS:
            return sorted({f"{level}:{row}:{column % columns_total}"
                           for row in rows for column in range(first, last + 1)})
    return None


def cell_numbers(level: int, lats: np.ndarray, lons: np.ndarray) -> np.ndarray:
    """``row × 1,000,000 + column`` of each point's cell at ``level``, as :func:`documents.cell_key` files it."""
    size = CELL_LEVELS[level]
    rows, columns = math.ceil(180 / size), math.ceil(360 / size)
    with np.errstate(invalid="ignore"):
        row = np.clip(np.floor((lats + 90) / size), 0, rows - 1)
        column = np.mod(np.floor((lons + 180) / size), columns)
    return np.where(np.isnan(row) | np.isnan(column), -1, row * 1_000_000 + column).astype(np.int64)


def combine(schema: tantivy.Schema, must: list[Query], should: list[Query] = (),  # type: ignore[assignment]
            kind: str | None = "trial") -> Query:
    """Documents matching all of ``must``, scored also by ``should``; only those of ``kind`` (trial or site)
    unless ``kind`` is ``None`` (for a text query, which only trial documents can match anyway)."""
    clauses = [(Occur.Must, q) for q in must] + [(Occur.Should, q) for q in should]
    if kind is not None or not must:
        clauses.insert(0, (Occur.Must, Query.const_score_query(Query.term_query(schema, "kind", kind or "trial"), 0.0)))
    if len(clauses) == 1:
        return clauses[0][1]
    return Query.boolean_query(clauses)
