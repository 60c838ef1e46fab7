"""Search the index the way a person asks: read the words, the place and the filters, match, rank, count.

Ranking: BM25 over the weighted text fields (see :mod:`matching`); trials a person can join get a bonus
when any status is allowed; with a place, each trial's score is multiplied by how near its nearest
fitting site is (``1 + NEAR_WEIGHT × (1 − distance / radius)``) and ties go to the nearer trial. Results
are ordered by score, then distance, then id, so pages never overlap or skip.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import tantivy

from ..config import Settings
from .documents import NOT_STATED, STATUS_CODE, CardSite
from .errors import InvalidQuery, SearchError, UnknownPlace
from .facets import (
    Counts, Facets, Sample, Sampling, choose_sample, count, count_by_status, facet_values,
)
from .geo import Country, DistanceFrom, Gazetteer, Place, default_gazetteer, distances_km
from .index import SearchIndex
from .matching import (
    cell_numbers, combine, covering_cells, facet_cells, filter_queries, most_matching, open_bonus, text_query,
)
from .query import (
    KM_PER_MILE, MAX_PAGE, MAX_PER_PAGE, MAX_QUERY_CHARS, OPEN_GROUP, Distance, Filters, SearchRequest, Understood,
    find_place, parse_distance, read_filters, understand,
)
from .results import SearchResults, SiteHit, TrialHit
from .spelling import Speller
from .vocabulary import Vocabulary, default_vocabulary

NEAR_WEIGHT = 1.0
OPEN_FACTOR = 1.25  # with a place and any status: open trials' scores are multiplied by this
#: With a place, at most this many trials (the best text matches in the area) are measured one by one.
MAX_NEAR_CANDIDATES = 20_000
#: A "near" search without words measures a circle no smaller than this when too many trials match.
MIN_REACH_KM = 1.0
MAX_KEY_FILTER = 5_000  # up to this many candidates, read only their sites (when that is cheaper)
#: Looking a trial key up (to read only the candidates' sites) costs about as much as reading this many sites
#: (measured: ~7 µs a key, ~0.5 µs a site searched and read).
KEY_COST_IN_SITES = 14
MAX_SITES = 500_000
FACETS_BUT_STATUS = ("phase", "country", "condition")
#: Threads that count facets while the request's own thread finds the hits (the engine releases the GIL, so
#: on a machine with two or more cores a search takes about as long as the longer of the two, not both).
FACET_THREADS = max(1, min(4, os.cpu_count() or 1))


class IndexLexicon:
    """The words records use, read from the index's ``words`` field."""

    def __init__(self, searcher: tantivy.Searcher) -> None:
        self.searcher = searcher

    def frequency(self, word: str) -> int:
        return self.searcher.doc_freq("words", word)

    def words_starting(self, prefix: str) -> Iterable[tuple[str, int]]:
        return self.searcher.terms_with_prefix("words", prefix, limit=20_000)


@dataclass(frozen=True)
class _Plan:
    understood: Understood
    filters: Filters
    place: Place | None
    radius: Distance | None
    countries: tuple[str, ...]
    notes: tuple[str, ...]


class SearchService:
    """Searches one index. Cheap to share: the web app keeps one for all requests."""

    def __init__(self, index: SearchIndex, vocabulary: Vocabulary | None = None,
                 gazetteer: Gazetteer | None = None, sampling: Sampling = Sampling()) -> None:
        self.index = index
        self.sampling = sampling  # when facets and totals are counted in a sample (searches matching very many)
        self.vocabulary = vocabulary or default_vocabulary()
        self._gazetteer = gazetteer
        self.speller = Speller(self.vocabulary.words)
        self._counter = ThreadPoolExecutor(FACET_THREADS, thread_name_prefix="trialscout-facets")

    def _meanwhile(self, work: Callable[..., Any], *args: object) -> "Future[Any]":
        """Start ``work(*args)`` (a facet count) on a facet thread; the caller collects it with ``result()``."""
        return self._counter.submit(work, *args)

    @classmethod
    def open(cls, settings: Settings) -> "SearchService":
        return cls(SearchIndex.open(settings.index_dir))

    @property
    def gazetteer(self) -> Gazetteer:
        if self._gazetteer is None:
            self._gazetteer = default_gazetteer()
        return self._gazetteer

    # --- the search ----------------------------------------------------------------------------

    def search(self, request: SearchRequest) -> SearchResults:
        """Run ``request``; raises :class:`InvalidQuery` (or :class:`UnknownPlace`) for input it cannot use."""
        started = time.perf_counter()
        if not 1 <= request.page <= MAX_PAGE:
            raise InvalidQuery("page", f"Page {request.page} is out of range: pages run from 1 to {MAX_PAGE}.")
        if not 1 <= request.per_page <= MAX_PER_PAGE:
            raise InvalidQuery("per_page", f"Show 1 to {MAX_PER_PAGE} results per page, not {request.per_page}.")
        searcher = self.index.searcher()
        plan = self._plan(request, searcher)
        try:
            results = self._near(searcher, request, plan) if plan.place else self._plain(searcher, request, plan)
        except BaseException as exc:  # the engine's panics derive from BaseException
            if type(exc).__name__ != "PanicException":
                raise
            raise SearchError("the search engine failed on this query; please report it with the words you "
                              "searched for") from None
        return replace(results, elapsed_ms=(time.perf_counter() - started) * 1000)

    def _plan(self, request: SearchRequest, searcher: tantivy.Searcher) -> _Plan:
        if len(request.q) > MAX_QUERY_CHARS * 4:
            raise InvalidQuery("q", f"The search text has {len(request.q):,} characters; keep it under "
                                    f"{MAX_QUERY_CHARS:,}.")
        filters = read_filters(request)
        notes: list[str] = []
        text, place_text, within, strict = request.q, request.near, request.within, True
        if not (place_text and place_text.strip()):
            mention = find_place(request.q)
            if mention is not None:
                text, place_text, strict = mention.rest, mention.place, mention.strict
                within = within or mention.within
        place: Place | None = None
        countries = filters.countries
        if place_text and place_text.strip():
            try:
                found = self.gazetteer.resolve(place_text, suggest=strict)
            except UnknownPlace:
                if strict:
                    raise
                found, text = None, request.q
            if isinstance(found, Country):
                countries = tuple(dict.fromkeys(countries + (found.name,)))
                notes.append(f"Showing trials with a site in {found.name}.")
            elif found is not None:
                place = found
                if found.alternatives:
                    notes.append(f"Searching near {found.label}. Did you mean another place? "
                                 f"Try: {'; '.join(found.alternatives[:4])}.")
        radius = parse_distance(within) if place else None
        if request.within and not place:
            parse_distance(request.within)  # still report a malformed distance
        understood = understand(text, self.vocabulary, self.speller.using(IndexLexicon(searcher)))
        if understood.age is not None and filters.age is None:
            filters = replace(filters, age=understood.age)
            notes.append(f"Showing trials that take people aged {understood.age:g}.")
        if understood.phases and not filters.phases:
            filters = replace(filters, phases=frozenset(understood.phases))
        countries = tuple(self._country_name(c) for c in countries)
        filters = replace(filters, countries=countries)
        for typed, read_as in understood.corrections:
            notes.append(f"Read \u201c{typed}\u201d as \u201c{read_as}\u201d.")
        if understood.ignored:
            notes.append(f"Left out: {', '.join(understood.ignored[:10])}.")
        return _Plan(understood, filters, place, radius, countries, tuple(notes))

    def _country_name(self, text: str) -> str:
        found = self.gazetteer.country(text)
        return found.name if found else text.strip()

    def _plain(self, searcher: tantivy.Searcher, request: SearchRequest, plan: _Plan) -> SearchResults:
        found = self._find(searcher, request, plan, require_all=True)
        relaxed = found.total == 0 and len(plan.understood.concepts) > 1
        if relaxed:
            found = self._find(searcher, request, plan, require_all=False)
        hits = []
        for score, address in found.hits:
            nct_id, card = self.index.card(searcher, address)
            hits.append(_hit(nct_id, card, score, _first_fitting(card, plan.filters)))
        sample, counted = found.counting.result()
        facets = _facets(counted, counted, plan.filters)
        return SearchResults(tuple(hits), found.total, request.page, request.per_page, facets, plan.understood,
                             countries=plan.countries, notes=plan.notes + _relaxed_note(relaxed), relaxed=relaxed,
                             facets_estimated=not sample.exact)

    def _find(self, searcher: tantivy.Searcher, request: SearchRequest, plan: _Plan, require_all: bool) -> "_Found":
        """The page of hits and the total of a search without a place, and (on a facet thread) its facet counts:
        in a sample of the registry when the search matches very many trials (:func:`facets.choose_sample`).
        The page and the total are always exact (counting every hit costs the engine nothing measurable
        while it scores them; the facet aggregation is what grows with the hits)."""
        schema, filters, understood = self.index.schema, plan.filters, plan.understood

        def all_but_status(within: tantivy.Query | None) -> tantivy.Query:
            text = text_query(schema, understood, require_all, within)
            must = ([text] if text else []) + filter_queries(schema, filters, with_status=False)
            return combine(schema, must + ([within] if within is not None and text is None else []),
                           kind=_kind(text))

        counting = self._meanwhile(self._plain_counts, searcher, all_but_status, filters,
                                   most_matching(searcher, understood, require_all))
        text = text_query(schema, understood, require_all)
        should = [open_bonus(schema, OPEN_GROUP)] if filters.statuses is None else []
        query = combine(schema, ([text] if text else []) + filter_queries(schema, filters), should, _kind(text))
        order = {} if text else {"order_by_field": "last_updated"}
        found = searcher.search(query, request.per_page, count=True, offset=(request.page - 1) * request.per_page,
                                **order)
        return _Found(found.hits, found.count, counting)

    def _plain_counts(self, searcher: tantivy.Searcher, query_in: Callable[[tantivy.Query | None], tantivy.Query],
                      filters: Filters, at_most: float) -> tuple[Sample, Counts]:
        """Facet counts for a search without a place (``query_in(sample)`` has every filter but the status one):
        statuses regardless of the status filter, the rest within it; in a sample when it matches very many
        trials, scaled up."""
        sample = choose_sample(searcher, self.index.schema, query_in, self.sampling, at_most)
        counted = count_by_status(searcher, query_in(sample.filter(self.index.schema)), filters.statuses,
                                  "open_country" if filters.open_only else "country")
        return sample, sample.scaled(counted)

    def _near(self, searcher: tantivy.Searcher, request: SearchRequest, plan: _Plan) -> SearchResults:
        schema, filters, place, radius = self.index.schema, plan.filters, plan.place, plan.radius
        assert place is not None and radius is not None
        relaxed, notes, understood = False, list(plan.notes), plan.understood
        text = text_query(schema, understood)
        cells = covering_cells(place.lat, place.lon, radius.km)
        grid = _facet_grid(place, radius, filters, cells)
        counting = self._meanwhile(self._grid_counts, searcher, understood, True, filters, grid) if grid else None
        measured = self._measure(searcher, text, filters, place, radius, cells, grid)
        if not measured.ranked and text and len(understood.concepts) > 1:
            relaxed = True
            text = text_query(schema, understood, require_all=False)
            counting = self._meanwhile(self._grid_counts, searcher, understood, False, filters, grid) if grid else None
            measured = self._measure(searcher, text, filters, place, radius, cells, grid)
        if measured.reach_km < radius.km:
            notes.append(f"More than {MAX_NEAR_CANDIDATES:,} trials match within {radius}; these are the nearest "
                         f"(within {_in_unit(measured.reach_km, radius.unit)}). Add words or filters to see others.")
        elif measured.truncated:
            notes.append(f"Many trials match in this area; these are ranked from the best "
                         f"{MAX_NEAR_CANDIDATES:,} text matches. Add words or filters to narrow the search.")
        offset = (request.page - 1) * request.per_page
        hits = []
        for score, address in measured.ranked.page(offset, request.per_page):
            nct_id, card = self.index.card(searcher, address)
            hits.append(_hit(nct_id, card, score, _nearest(card, filters, place, radius.km)[1]))
        facets, sampled = self._near_facets(searcher, filters, measured, counting)
        return SearchResults(tuple(hits), len(measured.ranked), request.page, request.per_page, facets,
                             plan.understood, place=place, radius=radius, countries=plan.countries,
                             notes=tuple(notes) + _relaxed_note(relaxed), relaxed=relaxed, facets_estimated=sampled)

    def _measure(self, searcher: tantivy.Searcher, text: tantivy.Query | None, filters: Filters, place: Place,
                 radius: Distance, cells: list[str] | None, grid: list[str] | None) -> "_Measured":
        """Score every trial with a fitting site inside the circle, from the index's fast fields.

        Trials matching the words and filters in the grid cells around the place are the candidates; their
        sites in those cells are read in bulk (coordinates, effective status) and measured exactly."""
        schema = self.index.schema
        reach = radius.km  # the circle whose trials are measured (``cells`` cover it)
        area, found = self._candidates(searcher, text, filters, cells)
        while text is None and found.count > MAX_NEAR_CANDIDATES and reach > MIN_REACH_KM:
            # No words to rank by, so nearness decides: measure a smaller circle, holding fewer trials.
            reach = max(MIN_REACH_KM, reach * max(0.3, math.sqrt(0.7 * MAX_NEAR_CANDIDATES / found.count)))
            cells = covering_cells(place.lat, place.lon, reach)
            area, found = self._candidates(searcher, text, filters, cells)
        truncated = found.count > MAX_NEAR_CANDIDATES or reach < radius.km
        if not found.hits:
            return _Measured(_Ranked.empty(), np.zeros(0, dtype=np.uint64), truncated, reach_km=reach)
        addresses = [a for _, a in found.hits]
        keys = np.array(searcher.fast_field_values("key", addresses), dtype=np.uint64)
        codes = np.array(searcher.fast_field_values("status_code", addresses), dtype=np.int64)
        site_filters = list(area)
        if filters.countries:
            site_filters.append(tantivy.Query.term_set_query(schema, "country", list(filters.countries)))
        if len(keys) <= MAX_KEY_FILTER and (cells is None
                                            or len(keys) * KEY_COST_IN_SITES < _filed_under(searcher, cells)):
            site_filters.append(tantivy.Query.term_set_query(schema, "key", keys.tolist()))
        sites = searcher.search(combine(schema, site_filters, kind="site"), MAX_SITES, count=False)
        sites_read = _read_sites(searcher, [a for _, a in sites.hits], filters.statuses is not None)
        any_keys, any_km, fit_keys, fit_km = _measure_sites(sites_read, filters, place, reach)
        in_area = np.isin(keys, any_keys)
        fit = _lookup(fit_keys, fit_km, keys)
        passing = in_area & ~np.isnan(fit)
        if filters.statuses is not None:
            passing &= np.isin(codes, _codes(filters.statuses))
        scores = np.array([score for score, _ in found.hits], dtype=np.float64) if text else np.ones(len(keys))
        factor = 1 + NEAR_WEIGHT * (1 - fit / radius.km)
        if filters.statuses is None:
            factor = np.where(np.isin(codes, _codes(OPEN_GROUP)), factor * OPEN_FACTOR, factor)
        chosen = np.flatnonzero(passing)
        final = (scores * factor)[chosen]
        order = chosen[np.lexsort((keys[chosen], fit[chosen], -final))]
        ranked = _Ranked(order, (scores * factor), fit, keys, addresses)
        in_grid = np.isin(keys, site_keys_in(grid, sites_read)) if grid else None
        statuses_fit = filters.statuses is None
        trial_fits = np.ones(len(keys), bool) if statuses_fit else np.isin(codes, _codes(filters.statuses or ()))
        return _Measured(ranked, keys[in_area], truncated, grid,
                         None if in_grid is None else keys[in_grid & ~in_area],
                         None if in_grid is None else keys[in_grid & trial_fits & ~passing], reach)

    def _candidates(self, searcher: tantivy.Searcher, text: tantivy.Query | None, filters: Filters,
                    cells: list[str] | None) -> tuple[list[tantivy.Query], Any]:
        """The trials matching the words and filters with a site in ``cells`` (the best
        :data:`MAX_NEAR_CANDIDATES`, and how many there are), and the cell filter that found them."""
        area, query = self._in_cells(text, filters, cells)
        return area, searcher.search(query, MAX_NEAR_CANDIDATES, count=True)

    def _grid_counts(self, searcher: tantivy.Searcher, understood: Understood, require_all: bool, filters: Filters,
                     grid: list[str]) -> tuple[Sample, Counts]:
        """Facet counts of the trials matching the words and filters with a site in the ``grid`` cells; in a
        sample of the registry when they are many (the counts of the sample, not yet scaled up)."""
        schema = self.index.schema
        area = tantivy.Query.term_set_query(schema, "cell", grid)

        def in_grid(within: tantivy.Query | None) -> tantivy.Query:
            text = text_query(schema, understood, require_all, within)
            must = ([text] if text else []) + filter_queries(schema, filters, with_status=False) + [area]
            return combine(schema, must + ([within] if within is not None and text is None else []), kind=_kind(text))

        in_cells = _filed_under(searcher, grid)  # trials and sites: a bound on trials
        at_most = min(in_cells, most_matching(searcher, understood, require_all))
        sample = choose_sample(searcher, schema, in_grid, self.sampling, at_most)
        return sample, count_by_status(searcher, in_grid(sample.filter(schema)), filters.statuses, "country")

    def _in_cells(self, text: tantivy.Query | None, filters: Filters,
                  cells: list[str] | None) -> tuple[list[tantivy.Query], tantivy.Query]:
        """The cell filter, and the query for trials matching the words and the filters but status with a
        site in ``cells`` (anywhere when there are none)."""
        schema = self.index.schema
        area = [tantivy.Query.term_set_query(schema, "cell", cells)] if cells else []
        return area, combine(schema, ([text] if text else []) + filter_queries(schema, filters, with_status=False)
                             + area, kind=_kind(text))

    def _near_facets(self, searcher: tantivy.Searcher, filters: Filters, measured: "_Measured",
                     counting: "Future[tuple[Sample, Counts]] | None") -> tuple[Facets, bool]:
        """Counts for the trials found near the place, and whether they are estimated from a sample. One
        aggregation counts the trials with a site in the grid cells around the circle (the circle's box, in
        fine cells); the few of those that are not in the circle (or have no fitting site in it) are counted
        again by key and taken off (only those in the sample, when the cells hold so many trials that a
        sample was counted). Without such cells (a country filter, a circle the size of a continent), trials
        are counted by key (the keys in a sample, when they are many)."""
        schema = self.index.schema
        if counting is None:
            passing, in_area = measured.ranked.key[measured.ranked.order], measured.in_area
            sample = self.sampling.for_count(max(len(passing), len(in_area)))
            passing, in_area = passing[sample.holds(passing)].tolist(), in_area[sample.holds(in_area)].tolist()
            counted = count(searcher, _keys_query(schema, passing), FACETS_BUT_STATUS) if passing else {}
            statuses = count(searcher, _keys_query(schema, in_area), ("status",)) if in_area else {}
            return _facets(sample.scaled(statuses), sample.scaled(counted), filters), not sample.exact
        sample, counted = counting.result()
        if not len(measured.ranked) and not len(measured.in_area):
            return _facets({}, {}, filters), False
        # When the candidates were cut at MAX_NEAR_CANDIDATES the trials beyond them were not measured: the
        # counts are then those of the cells (trials near the circle, not only in it).
        if not measured.truncated:
            for keys, fields in ((measured.outside_any, ("status",)), (measured.outside_fit, FACETS_BUT_STATUS)):
                if keys is not None and len(keys):
                    keys = keys[sample.holds(keys)]
                    if len(keys):
                        counted = _less(counted, count(searcher, _keys_query(schema, keys.tolist()), fields,
                                                       every_value=True))
        counted = sample.scaled(counted)
        return _facets(counted, counted, filters), not sample.exact


def _filed_under(searcher: tantivy.Searcher, cells: list[str]) -> int:
    """Documents filed under ``cells``: their sites, and the trials those belong to (about how many sites lie
    there; at least how many trials)."""
    return sum(searcher.doc_freq("cell", cell) for cell in cells)


def _in_unit(km: float, unit: str) -> str:
    value = km / KM_PER_MILE if unit == "mi" else km
    return f"{value:.0f} {unit}" if value >= 10 else f"{value:.1f} {unit}"


def _facet_grid(place: Place, radius: Distance, filters: Filters, cells: list[str] | None) -> list[str] | None:
    """The fine cells whose trials a "near" search counts for its facets (``None``: count by key instead)."""
    if filters.countries or not cells:
        return None
    return facet_cells(place.lat, place.lon, radius.km)


def _facets(statuses: dict[str, list[tuple[str, int]]], counted: dict[str, list[tuple[str, int]]],
            filters: Filters) -> Facets:
    return Facets(
        status=facet_values("status", statuses.get("status", []), filters.statuses or frozenset()),
        phase=facet_values("phase", counted.get("phase", []), filters.phases),
        country=facet_values("country", counted.get("country", []), filters.countries),
        condition=facet_values("condition", counted.get("condition", []), filters.conditions),
    )


@dataclass(frozen=True)
class _Ranked:
    """Candidates that pass, best first: ``order`` indexes the candidate arrays."""

    order: np.ndarray
    scores: np.ndarray
    km: np.ndarray  # to the nearest fitting site
    key: np.ndarray
    addresses: list[Any]

    @classmethod
    def empty(cls) -> "_Ranked":
        return cls(np.zeros(0, dtype=np.int64), np.zeros(0), np.zeros(0), np.zeros(0, dtype=np.uint64), [])

    def __len__(self) -> int:
        return len(self.order)

    def page(self, offset: int, size: int) -> list[tuple[float, Any]]:
        return [(float(self.scores[i]), self.addresses[i]) for i in self.order[offset:offset + size]]

    def keys(self) -> list[int]:
        return self.key[self.order].tolist()


@dataclass(frozen=True)
class _Measured:
    ranked: _Ranked
    in_area: np.ndarray  # keys of trials with any site in the circle (for the status counts)
    truncated: bool
    grid: list[str] | None = None  # fine cells around the circle, for the facet counts
    outside_any: np.ndarray | None = None  # keys of trials with a site in those cells but none in the circle
    outside_fit: np.ndarray | None = None  # ... whose status fits but who have no fitting site in the circle
    reach_km: float = math.inf  # the circle measured: the person's, or a smaller one when too many trials match


@dataclass(frozen=True)
class _Found:
    hits: list[tuple[float, Any]]
    total: int
    counting: "Future[tuple[Sample, Counts]]"  # the sample counted in, and the facet counts (scaled up)


def _less(counted: Counts, less: Counts) -> Counts:
    """``counted`` with the counts in ``less`` taken off (values left at zero are dropped)."""
    out = dict(counted)
    for name, values in less.items():
        minus = dict(values)
        kept = [(value, n - minus.get(value, 0)) for value, n in counted.get(name, [])]
        out[name] = sorted(((v, n) for v, n in kept if n > 0), key=lambda kv: (-kv[1], kv[0]))
    return out


def _codes(statuses: Iterable[str]) -> np.ndarray:
    return np.array(sorted(STATUS_CODE[s] for s in statuses if s in STATUS_CODE), dtype=np.int64)


def _lookup(sorted_keys: np.ndarray, values: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """``values`` for ``keys`` (NaN where ``sorted_keys`` lacks the key)."""
    if not len(sorted_keys):
        return np.full(len(keys), np.nan)
    at = np.minimum(np.searchsorted(sorted_keys, keys), len(sorted_keys) - 1)
    return np.where(sorted_keys[at] == keys, values[at], np.nan)


def _kind(text: tantivy.Query | None) -> str | None:
    """Only trial documents hold text: a text query needs no "trials only" clause."""
    return None if text is not None else "trial"


def _keys_query(schema: tantivy.Schema, keys: list[int]) -> tantivy.Query | None:
    if not keys:
        return None
    return combine(schema, [tantivy.Query.term_set_query(schema, "key", keys)])


@dataclass(frozen=True)
class _Sites:
    """Sites read from the index's fast fields (one entry per site document)."""

    lat: np.ndarray
    lon: np.ndarray
    key: np.ndarray
    status: np.ndarray | None  # effective status codes, read only when a status filter needs them


def _read_sites(searcher: tantivy.Searcher, addresses: list[Any], with_status: bool) -> _Sites:
    def column(name: str, dtype: Any) -> np.ndarray:
        return np.array(searcher.fast_field_values(name, addresses) if addresses else [], dtype=dtype)

    return _Sites(column("site_lat", np.float64), column("site_lon", np.float64), column("key", np.uint64),
                  column("site_status", np.int64) if with_status else None)


def _measure_sites(sites: _Sites, filters: Filters, place: Place,
                   radius_km: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per trial key (sorted): km to its nearest site in the circle; and the same for its sites that fit the
    status filter. All sites are measured at once."""
    km = distances_km(place.lat, place.lon, sites.lat, sites.lon)
    inside = km <= radius_km  # NaN (no coordinates) compares false
    any_keys, any_km = _nearest_per_key(sites.key[inside], km[inside])
    if sites.status is None or filters.statuses is None:
        return any_keys, any_km, any_keys, any_km
    fits = inside & np.isin(sites.status, _codes(filters.statuses))
    return (any_keys, any_km) + _nearest_per_key(sites.key[fits], km[fits])


def site_keys_in(grid: list[str], sites: _Sites) -> np.ndarray:
    """Keys of the trials with a site in one of the ``grid`` cells (all of one level)."""
    level = int(grid[0].split(":", 1)[0])
    wanted = np.array(sorted({int(c.split(":")[1]) * 1_000_000 + int(c.split(":")[2]) for c in grid}), dtype=np.int64)
    found = cell_numbers(level, sites.lat, sites.lon)
    return np.unique(sites.key[np.isin(found, wanted)])


def _nearest_per_key(keys: np.ndarray, km: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Unique keys (sorted) and the smallest km of each."""
    if not len(keys):
        return keys, km
    order = np.lexsort((km, keys))
    keys, km = keys[order], km[order]
    first = np.ones(len(keys), dtype=bool)
    first[1:] = keys[1:] != keys[:-1]
    return keys[first], km[first]


def _relaxed_note(relaxed: bool) -> tuple[str, ...]:
    return ("No trial matches all of your words; these match some of them.",) if relaxed else ()


def _nearest(card: dict[str, Any], filters: Filters, place: Place, radius_km: float) -> tuple[SiteHit | None, SiteHit | None]:
    """The nearest site inside the circle (any status), and the nearest that also fits the status filter."""
    status = card["status"] or NOT_STATED
    within = DistanceFrom(place.lat, place.lon, radius_km).within
    best_any: tuple[float, list] | None = None
    best_fit: tuple[float, list] | None = None
    for values in card["sites"]:
        lat, lon, country, site_status = values[5], values[6], values[3], values[4]
        if lat is None or lon is None or (filters.countries and country not in filters.countries):
            continue
        km = within(lat, lon)
        if km is None:
            continue
        if best_any is None or km < best_any[0]:
            best_any = (km, values)
        fits = filters.statuses is None or (site_status or status) in filters.statuses
        if fits and (best_fit is None or km < best_fit[0]):
            best_fit = (km, values)
    return (None if best_any is None else SiteHit(CardSite.from_list(best_any[1]), best_any[0]),
            None if best_fit is None else SiteHit(CardSite.from_list(best_fit[1]), best_fit[0]))


def _first_fitting(card: dict[str, Any], filters: Filters) -> SiteHit | None:
    """The first listed site that fits the filters (no place was given, so none is nearer)."""
    status = card["status"] or NOT_STATED
    sites = card["sites"]
    for values in sites:
        if filters.countries and values[3] not in filters.countries:
            continue
        if filters.statuses is None or (values[4] or status) in filters.statuses:
            return SiteHit(CardSite.from_list(values))
    return SiteHit(CardSite.from_list(sites[0])) if sites and not filters.countries else None


def _hit(nct_id: str, card: dict[str, Any], score: float, site: SiteHit | None) -> TrialHit:
    return TrialHit(nct_id, card["title"], card["status"], tuple(card["phases"]), card["study_type"],
                    tuple(card["conditions"]), card["min_age"], card["max_age"], card["sex"], site,
                    len(card["sites"]), float(score))
