"""Counts per status, phase, country and condition for the current search, with words for each value.

The status counts ignore the status filter (so a page showing open trials can say how many completed ones
there are, and link to them); the other counts are for the results as filtered. One aggregation does both:
counts per status, and within each status the other counts, summed over the statuses the filter keeps.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import tantivy

from ..plain.labels import label
from .documents import NOT_STATED, SAMPLE_LEVELS

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


@dataclass(frozen=True)
class Sampling:
    """When to count a search's facets (and total) in a sample of the registry instead of trial by trial."""

    #: Up to about this many matching trials, everything is counted exactly. (Below 16 × ``min_sample`` the
    #: sample would be the 1-in-4 one, which costs the engine more than counting every trial: measured.)
    exact_limit: int = 32_000
    #: Above it, counts come from the smallest sample expected to hold this many matching trials or more
    #: (a relative error of about 2% on the largest counts), scaled up and rounded.
    min_sample: int = 2_000
    #: The size of a search is first estimated in the 1-in-4**level samples here, the smallest first; an
    #: estimate needs ``probe_hits`` matching trials in its sample to be trusted.
    probe_levels: tuple[int, ...] = (6, 4)
    probe_hits: int = 16

    def for_count(self, trials: float) -> "Sample":
        """The sample to count ``trials`` matching trials in."""
        if trials <= self.exact_limit:
            return Sample()
        return Sample(max(1, min(SAMPLE_LEVELS, int(math.log(trials / self.min_sample, 4)))))


Counts = dict[str, list[tuple[str, int]]]


@dataclass(frozen=True)
class Sample:
    """The trials a count looks at: all of them (level 0), or the 1 in 4**level whose key puts them in that
    sample (the ``sample`` field, see :func:`documents.sample_terms`)."""

    level: int = 0

    @property
    def exact(self) -> bool:
        return self.level == 0

    @property
    def scale(self) -> int:
        return 4 ** self.level

    def filter(self, schema: tantivy.Schema) -> tantivy.Query | None:
        return None if self.exact else tantivy.Query.term_query(schema, "sample", str(self.level))

    def holds(self, keys: "np.ndarray") -> "np.ndarray":
        """Which of the trial ``keys`` are in this sample (the same rule as :func:`documents.sample_terms`)."""
        return (keys & np.uint64(self.scale - 1)) == 0

    def scaled(self, counted: Counts) -> Counts:
        """Counts in the sample scaled up to the whole, rounded to two significant digits."""
        if self.exact:
            return counted
        return {name: [(value, about(n * self.scale)) for value, n in values] for name, values in counted.items()}


def about(n: float) -> int:
    """``n`` rounded to two significant digits (an estimate shows no more precision than it has)."""
    if n < 100:
        return int(round(n))
    digits = int(math.floor(math.log10(n))) - 1
    return int(round(n / 10 ** digits) * 10 ** digits)


def matching(searcher: tantivy.Searcher, query: tantivy.Query) -> int:
    """How many documents ``query`` matches (unscored)."""
    return searcher.search(tantivy.Query.const_score_query(query, 1.0), 1, count=True).count


def choose_sample(searcher: tantivy.Searcher, schema: tantivy.Schema,
                  query_in: Callable[[tantivy.Query | None], tantivy.Query], rule: Sampling = Sampling(),
                  at_most: float = math.inf) -> Sample:
    """The sample to count ``query_in(sample filter)`` in: every trial when it matches at most about
    ``rule.exact_limit`` (known at once when ``at_most``, an upper bound, says so), otherwise the smallest
    sample expected to hold ``rule.min_sample`` of its trials. Its size is estimated in small samples first
    (a few hundred to a few thousand trials are read)."""
    if at_most <= rule.exact_limit:
        return Sample()
    for level in rule.probe_levels:
        found = matching(searcher, query_in(Sample(level).filter(schema)))
        if found >= rule.probe_hits:
            return rule.for_count(found * 4 ** level)
    return Sample()


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
