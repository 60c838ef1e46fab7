"""Counts per status, phase, country and condition for the current search, with words for each value.

The status counts ignore the status filter (so a page showing open trials can say how many completed ones
there are, and link to them); the other counts are for the results as filtered.
"""

from __future__ import annotations

from dataclasses import dataclass

import tantivy

from ..plain.labels import label
from .documents import NOT_STATED

SIZES = {"status": 20, "phase": 10, "country": 15, "condition": 12}
_NOT_STATED_WORDS = {"status": "Status not stated", "phase": "Phase not stated"}


@dataclass(frozen=True)
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool = False


@dataclass(frozen=True)
class Facets:
    status: tuple[FacetValue, ...] = ()
    phase: tuple[FacetValue, ...] = ()
    country: tuple[FacetValue, ...] = ()
    condition: tuple[FacetValue, ...] = ()

    def to_dict(self) -> dict[str, list[dict]]:
        return {name: [{"value": v.value, "label": v.label, "count": v.count, "selected": v.selected}
                       for v in getattr(self, name)] for name in SIZES}


def count(searcher: tantivy.Searcher, query: tantivy.Query, fields: tuple[str, ...]) -> dict[str, list[tuple[str, int]]]:
    """``field → [(value, count), …]`` most frequent first, for the documents ``query`` matches."""
    request = {name: {"terms": {"field": name, "size": SIZES[name]}} for name in fields}
    result = searcher.aggregate(query, request)
    return {name: [(b["key"], int(b["doc_count"])) for b in result.get(name, {}).get("buckets", [])]
            for name in fields}


def words_for(field: str, value: str) -> str:
    if value == NOT_STATED:
        return _NOT_STATED_WORDS.get(field, "Not stated")
    if field in {"status", "phase"}:
        found = label(field, value)
        return found.label if found else value
    return value


def facet_values(field: str, counts: list[tuple[str, int]], selected: set[str] | frozenset[str] | tuple[str, ...]) -> tuple[FacetValue, ...]:
    ordered = sorted(counts, key=lambda c: (-c[1], words_for(field, c[0])))
    return tuple(FacetValue(value, words_for(field, value), n, value in selected) for value, n in ordered)
