"""What the search index holds about candidate trials (title, status, conditions, every site with its
coordinates), read for a list of ids in one query that also applies the person's filters."""

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


@dataclass(frozen=True)
class TrialCard:
    nct_id: str
    title: str
    status: str | None
    phases: tuple[str, ...]
    conditions: tuple[str, ...]
    sites: tuple[CardSite, ...]


def read_cards(index: SearchIndex, ids: Sequence[str], filters: Filters) -> dict[str, TrialCard]:
    """Cards of the ``ids`` that pass ``filters`` (age, sex, status): the others are left out."""
    if not ids:
        return {}
    searcher = index.searcher()
    chosen = tantivy.Query.term_set_query(index.schema, "id", list(ids))
    query = combine(index.schema, [chosen] + filter_queries(index.schema, filters))
    found = searcher.search(query, len(ids), count=False)
    cards: dict[str, TrialCard] = {}
    for _, address in found.hits:
        nct_id, card = index.card(searcher, address)
        cards[nct_id] = _card(nct_id, card)
    return cards


def _card(nct_id: str, card: dict[str, Any]) -> TrialCard:
    return TrialCard(nct_id, card.get("title") or nct_id, card.get("status"), tuple(card.get("phases") or ()),
                     tuple(card.get("conditions") or ()), tuple(CardSite.from_list(s) for s in card.get("sites") or ()))


def nearest_site(card: TrialCard, place: Place | None, country: str | None = None) -> SiteDistance | None:
    """The site nearest ``place`` (or, with only a country, the first site in it); ``None`` without sites."""
    if not card.sites:
        return None
    if place is None:
        if country:
            inside = next((s for s in card.sites if s.country == country), None)
            if inside is not None:
                return SiteDistance(inside.facility, inside.place, None)
        return None
    best: tuple[float, CardSite] | None = None
    for site in card.sites:
        if site.lat is None or site.lon is None:
            continue
        km = distance_km(place.lat, place.lon, site.lat, site.lon)
        if best is None or km < best[0]:
            best = (km, site)
    if best is None:
        return SiteDistance(card.sites[0].facility, card.sites[0].place, None)
    km, site = best
    return SiteDistance(site.facility, site.place, km if math.isfinite(km) else None, site.located == "city")
