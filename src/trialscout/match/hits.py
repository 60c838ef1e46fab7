"""Hits-only engine queries for matching: the trials a condition finds, best first, as index keys.

A match needs ranked lists to fuse, never counts, facets or result cards, so it asks the index directly
with the search's own pieces (its vocabulary and spelling for understanding the words, its concept
queries, filters and grid cells) and reads only the trials' keys (a fast field). With a place, the best
:data:`NEAR_READ` text matches with a site in the area are ranked as the search ranks them near a place:
text score × (1 + (1 − distance / radius)), distance to the nearest site, from the site documents'
coordinates read in bulk. Cards are decoded later, only for the candidates that are checked.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import tantivy

from ..search import SearchService
from ..search.geo import EARTH_RADIUS_KM, Place
from ..search.matching import combine, covering_cells, filter_queries, open_bonus, text_query
from ..search.query import OPEN_GROUP, Filters, Understood, understand
from ..search.service import IndexLexicon

PER_LIST = 100
#: With a place: the best text matches with a site in the area, ranked by distance.
NEAR_READ = 100
MAX_AREA_SITES = 50_000


@dataclass(frozen=True)
class ConditionHits:
    """What one condition found: keys best first (words alone, and near the place), and how it was read."""

    understood: Understood
    keys: list[int]
    near: list[int]


class HitsReader:
    """Runs a match's engine queries against one searcher (one consistent view of the index)."""

    def __init__(self, search: SearchService) -> None:
        self.search = search
        self.index = search.index
        self.schema = search.index.schema
        self.searcher = search.index.searcher()

    def condition(self, words: str, filters: Filters, place: Place | None, radius_km: float) -> ConditionHits:
        """The trials matching ``words`` (all their concepts; any of them when all find nothing) and passing
        ``filters``; with ``place``, also those with a site within ``radius_km``, nearest first by score.
        Raises :class:`~trialscout.search.InvalidQuery` for words it cannot use."""
        understood = understand(words, self.search.vocabulary, self.search.speller.using(IndexLexicon(self.searcher)))
        text = text_query(self.schema, understood)
        if text is None:
            return ConditionHits(understood, [], [])
        keys = self._ranked(text, filters)
        if not keys and len(understood.concepts) > 1:
            text = text_query(self.schema, understood, require_all=False)
            keys = self._ranked(text, filters)  # type: ignore[arg-type]
        near = self._near(text, filters, place, radius_km) if place is not None and text is not None else []
        return ConditionHits(understood, keys, near)

    def _ranked(self, text: tantivy.Query, filters: Filters) -> list[int]:
        should = [open_bonus(self.schema, OPEN_GROUP)] if filters.statuses is None else []
        query = combine(self.schema, [text] + filter_queries(self.schema, filters), should, kind=None)
        return self._keys(self.searcher.search(query, PER_LIST, count=False).hits)

    def _near(self, text: tantivy.Query, filters: Filters, place: Place, radius_km: float) -> list[int]:
        cells = covering_cells(place.lat, place.lon, radius_km)
        area = [tantivy.Query.term_set_query(self.schema, "cell", cells)] if cells else []
        found = self.searcher.search(combine(self.schema, [text] + filter_queries(self.schema, filters) + area,
                                             kind=None), NEAR_READ, count=False).hits
        if not found:
            return []
        keys = self._keys(found)
        sites = self.searcher.search(combine(self.schema, area + [tantivy.Query.term_set_query(
            self.schema, "key", keys)], kind="site"), MAX_AREA_SITES, count=False).hits
        nearest = self._nearest_km([a for _, a in sites], place)
        ranked = []
        for (score, _), key in zip(found, keys):
            km = nearest.get(key)
            if km is not None and km <= radius_km:
                ranked.append((-score * (2.0 - km / radius_km), km, key))
        ranked.sort()
        return [key for _, _, key in ranked]

    def _nearest_km(self, addresses: Sequence[tantivy.DocAddress], place: Place) -> dict[int, float]:
        """Per trial key, the great-circle distance from ``place`` to its nearest of these sites."""
        if not addresses:
            return {}
        lats = np.array(self.searcher.fast_field_values("site_lat", list(addresses)), dtype=float)
        lons = np.array(self.searcher.fast_field_values("site_lon", list(addresses)), dtype=float)
        keys = self.searcher.fast_field_values("key", list(addresses))
        p1, p2 = np.radians(place.lat), np.radians(lats)
        a = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(np.radians(lons - place.lon) / 2) ** 2
        km = 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
        nearest: dict[int, float] = {}
        for key, d in zip(keys, km.tolist()):
            if d == d and d < nearest.get(key, float("inf")):  # NaN (no coordinates) never compares less
                nearest[key] = d
        return nearest

    def _keys(self, hits: Sequence[tuple[float, tantivy.DocAddress]]) -> list[int]:
        return [int(k) for k in self.searcher.fast_field_values("key", [a for _, a in hits])] if hits else []
