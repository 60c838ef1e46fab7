"""Counts per status, phase, country and condition for the current search, with words for each value.

The status counts ignore the status filter (so a page showing open trials can say how many completed ones
there are, and link to them); the other counts are for the results as filtered. One aggregation does both:
counts per status, and within each status the other counts, summed over the statuses the filter keeps.
"""

from __future__ import annotations

from dataclasses import dataclass

import tantivy

from ..plain.labels import label
from .documents import NOT_STATED

SIZES = {"status": 20, "phase": 10, "country": 15, "condition": 12}
ALL_VALUES = 10_000
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


def count(searcher: tantivy.Searcher, query: tantivy.Query, fields: tuple[str, ...],
          every_value: bool = False) -> dict[str, list[tuple[str, int]]]:
    """``field → [(value, count), …]`` most frequent first, for the documents ``query`` matches (the most
    frequent :data:`SIZES` of each field, or with ``every_value`` up to :data:`ALL_VALUES`)."""
    request = {name: {"terms": {"field": name, "size": ALL_VALUES if every_value else SIZES[name]}} for name in fields}
    result = searcher.aggregate(query, request)
    return {name: [(b["key"], int(b["doc_count"])) for b in result.get(name, {}).get("buckets", [])]
            for name in fields}


#: Within each status, this many values per field are counted before summing (the long tail is left out).
NESTED_SIZE = 60


def count_by_status(searcher: tantivy.Searcher, query: tantivy.Query, statuses: frozenset[str] | None,
                    country_field: str = "country") -> dict[str, list[tuple[str, int]]]:
    """Status counts for ``query`` (which has no status filter), and phase, country and condition counts
    for the documents whose status is in ``statuses`` (all when ``None``)."""
    nested = {name: {"terms": {"field": field, "size": NESTED_SIZE}}
              for name, field in (("phase", "phase"), ("country", country_field), ("condition", "condition"))}
    result = searcher.aggregate(query, {"status": {"terms": {"field": "status", "size": SIZES["status"]},
                                                   "aggs": nested}})
    buckets = result.get("status", {}).get("buckets", [])
    found: dict[str, list[tuple[str, int]]] = {"status": [(b["key"], int(b["doc_count"])) for b in buckets]}
    for name in nested:
        totals: dict[str, int] = {}
        for bucket in buckets:
            if statuses is None or bucket["key"] in statuses:
                for inner in bucket.get(name, {}).get("buckets", []):
                    totals[inner["key"]] = totals.get(inner["key"], 0) + int(inner["doc_count"])
        found[name] = sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))[: SIZES[name]]
    return found


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
