"""What the search index holds about candidate trials (title, status, conditions, every site with its
coordinates), read for a list of ids in one query that also applies the person's filters.

Sites stay as the index stores them (lists) until one is shown: a trial can have hundreds, and finding
the nearest needs only their coordinates."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import tantivy

from ..search import SearchIndex
from ..search.documents import CardSite
from ..search.geo import Place, distance_km
from ..search.matching import combine, filter_queries
from ..search.query import Filters
from .models import SiteDistance


LAT, LON, COUNTRY = 5, 6, 3  # positions in a stored site list (``CardSite.to_list``)


@dataclass(frozen=True)
class TrialCard:
    nct_id: str
    title: str
    status: str | None
    phases: tuple[str, ...]
    conditions: tuple[str, ...]
    site_lists: tuple[list[Any], ...]

    @property
    def sites(self) -> tuple[CardSite, ...]:
        return tuple(CardSite.from_list(s) for s in self.site_lists)


def read_cards(index: SearchIndex, keys: Sequence[int], filters: Filters,
               searcher: tantivy.Searcher | None = None) -> dict[int, TrialCard]:
    """Cards of the trials with these index ``keys`` that pass ``filters`` (age, sex, status), by key: the
    others are left out."""
    if not keys:
        return {}
    searcher = searcher or index.searcher()
    chosen = tantivy.Query.term_set_query(index.schema, "key", list(keys))
    query = combine(index.schema, [chosen] + filter_queries(index.schema, filters))
    found = searcher.search(query, len(keys), count=False)
    addresses = [address for _, address in found.hits]
    found_keys = searcher.fast_field_values("key", addresses) if addresses else []
    return {int(key): card_from_index(index, searcher, address) for key, address in zip(found_keys, addresses)}


def card_from_index(index: SearchIndex, searcher: tantivy.Searcher, address: tantivy.DocAddress) -> TrialCard:
    """The card of the trial document at ``address``."""
    nct_id, card = index.card(searcher, address)
    return _card(nct_id, card)


def _card(nct_id: str, card: dict[str, Any]) -> TrialCard:
    return TrialCard(nct_id, card.get("title") or nct_id, card.get("status"), tuple(card.get("phases") or ()),
                     tuple(card.get("conditions") or ()), tuple(card.get("sites") or ()))


def nearest_site(card: TrialCard, place: Place | None, country: str | None = None) -> SiteDistance | None:
    """The site nearest ``place`` (or, with only a country, the first site in it); ``None`` without sites."""
    if not card.site_lists:
        return None
    if place is None:
        if country:
            inside = next((s for s in card.site_lists if s[COUNTRY] == country), None)
            if inside is not None:
                site = CardSite.from_list(inside)
                return SiteDistance(site.facility, site.place, None)
        return None
    best: tuple[float, list[Any]] | None = None
    for values in card.site_lists:
        lat, lon = values[LAT], values[LON]
        if lat is None or lon is None:
            continue
        km = distance_km(place.lat, place.lon, lat, lon)
        if best is None or km < best[0]:
            best = (km, values)
    if best is None:
        first = CardSite.from_list(card.site_lists[0])
        return SiteDistance(first.facility, first.place, None)
    km, values = best
    site = CardSite.from_list(values)
    return SiteDistance(site.facility, site.place, km if math.isfinite(km) else None, site.located == "city")
