"""A trial as the search index holds it: text to match, values to filter and count, and a stored card
with what a result shows (title, status, phases, every site with its coordinates).

Pure functions of the trial and the gazetteer. Sites without coordinates are placed at the centre of
their city when the gazetteer knows it (``located = "city"``).
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from functools import lru_cache
from datetime import datetime, timezone
from typing import Any

from ..trial import OPEN_STATUSES, STATUSES, Trial
from .geo import Gazetteer
from .vocabulary import Vocabulary, default_vocabulary

NOT_STATED = "NOT_STATED"
NO_MIN_AGE = 0.0
NO_MAX_AGE = 999.0
#: Grid cells (degrees) each located site is filed under, finest first; a "near" search asks for
#: the cells that cover its circle at the finest level where they are few.
CELL_LEVELS = (0.0625, 0.25, 1.0, 4.0, 16.0)  # powers of two: each cell lies whole inside one of the next level
MAX_CARD_CONDITIONS = 8
#: Words of the detailed description indexed (field ``details``, weight 0.3, single words only). None: the
#: whole of it (170 words on average, up to 5,000) was a quarter of the engine's indexing time, and the
#: judged queries rank as well or better without it (docs/benchmarks.md, "Index build, 2026-11-22"); 100
#: (its opening) costs ~0.05 ms of CPU per trial more and ranks them the same.
DETAILS_WORDS = 0
#: Statuses as small numbers, for the fast fields a "near" search reads (``status_code``, ``site_status``).
STATUS_CODES: tuple[str, ...] = tuple(sorted(STATUSES | {NOT_STATED}))
STATUS_CODE = {name: code for code, name in enumerate(STATUS_CODES)}


def trial_key(nct_id: str) -> int:
    """A number for a trial, shared by its trial document and its site documents (64-bit hash of the id)."""
    return int.from_bytes(hashlib.blake2b(nct_id.encode(), digest_size=8).digest(), "big")


#: A trial belongs to nested samples of the registry, 1 in 4, 1 in 16, … 1 in 4**SAMPLE_LEVELS (term ``"k"`` for
#: 1 in 4**k, from the low bits of its key): a search matching very many trials counts a sample (one term).
SAMPLE_LEVELS = 6


def sample_terms(key: int) -> list[str]:
    """The samples a trial with ``key`` belongs to: ``["1", "2"]`` when it is in the 1-in-4 and 1-in-16 ones."""
    return [str(level) for level in range(1, SAMPLE_LEVELS + 1) if key & ((1 << 2 * level) - 1) == 0]


@dataclass(frozen=True)
class CardSite:
    """A site as a result shows it."""

    facility: str | None
    city: str | None
    state: str | None
    country: str | None
    status: str | None
    lat: float | None
    lon: float | None
    located: str | None  # "registry" (the record's coordinates), "city" (centre of its city), None

    @property
    def place(self) -> str:
        return ", ".join(p for p in (self.city, self.state, self.country) if p)

    def to_list(self) -> list[Any]:
        return [self.facility, self.city, self.state, self.country, self.status, self.lat, self.lon, self.located]

    @classmethod
    def from_list(cls, values: list[Any]) -> "CardSite":
        return cls(*values)


@lru_cache(maxsize=200_000)
def cells_of(lat: float, lon: float) -> tuple[str, ...]:
    """The grid cells of a point at every level (remembered: registries repeat coordinates, a city's or a
    hospital's, thousands of times)."""
    return tuple(cell_key(level, lat, lon) for level in range(len(CELL_LEVELS)))


def cell_key(level: int, lat: float, lon: float) -> str:
    size = CELL_LEVELS[level]
    rows, columns = math.ceil(180 / size), math.ceil(360 / size)
    row = min(rows - 1, max(0, math.floor((lat + 90) / size)))
    column = math.floor((lon + 180) / size) % columns
    return f"{level}:{row}:{column}"


def sites_of(trial: Trial, gazetteer: Gazetteer) -> list[CardSite]:
    """Every site, with coordinates from the record or, failing that, from its city."""
    sites = []
    for site in trial.locations:
        lat, lon, located = site.lat, site.lon, "registry" if site.lat is not None and site.lon is not None else None
        if located is None:
            city = gazetteer.locate_site(site.city, site.state, site.country)
            if city is not None:
                lat, lon, located = city.lat, city.lon, "city"
        country = gazetteer.country(site.country) if site.country else None
        sites.append(CardSite(site.facility, site.city, site.state, country.name if country else site.country,
                              site.status, lat, lon, located))
    return sites


def index_documents(trial: Trial, content_hash: str, gazetteer: Gazetteer,
                    vocabulary: Vocabulary | None = None) -> list[dict[str, list[Any]]]:
    """The trial's document, then one small document per located site (what a "near" search reads)."""
    sites = sites_of(trial, gazetteer)
    return [index_document(trial, content_hash, gazetteer, sites, vocabulary)] + site_documents(trial, sites)


def concepts_of(trial: Trial, vocabulary: Vocabulary) -> tuple[list[str], list[str]]:
    """Vocabulary concepts the trial names, with their broader concepts: a query for "liver failure" then
    finds a record that only says ACLF. First those its titles, conditions and treatments name (what the
    trial is about), then the others its keywords and MeSH ancestors name (what it touches on).

    Titles are read each time; the short terms that recur across records (conditions, MeSH terms and
    ancestors, treatments, keywords) go through the vocabulary's memory of terms already read."""
    titles = [trial.brief_title, trial.official_title, trial.acronym]
    about = trial.conditions + [m.term for m in trial.condition_meshes + trial.intervention_meshes] + \
        [i.name for i in trial.interventions] + [n for i in trial.interventions for n in i.other_names]
    touches = trial.keywords + [m.term for m in trial.condition_ancestors + trial.intervention_ancestors]
    primary: set[str] = set()
    for text in titles:
        if text:
            primary |= vocabulary.mentions(text)
    primary.update(*(vocabulary.mentions_term(t) for t in about if t))
    secondary: set[str] = set().union(*(vocabulary.mentions_term(t) for t in touches if t))
    return sorted(primary), sorted(secondary - primary)


def site_documents(trial: Trial, sites: list[CardSite]) -> list[dict[str, list[Any]]]:
    """Per located site: its trial's key, coordinates, effective status (its own, else the trial's), country
    and grid cells: what a "near" search reads, nothing stored. Deleting the trial's key deletes them."""
    key = trial_key(trial.nct_id)
    trial_status = trial.overall_status or NOT_STATED
    documents = []
    for s in sites:
        if s.lat is None or s.lon is None:
            continue
        documents.append({
            "kind": ["site"], "key": [key],
            "site_lat": [s.lat], "site_lon": [s.lon], "site_status": [STATUS_CODE.get(s.status or trial_status, 0)],
            "country": [s.country] if s.country else [],
            "cell": sorted(cells_of(s.lat, s.lon)),
        })
    return documents


def index_document(trial: Trial, content_hash: str, gazetteer: Gazetteer, sites: list[CardSite] | None = None,
                   vocabulary: Vocabulary | None = None) -> dict[str, list[Any]]:
    """The index fields of one trial (field name → values)."""
    status = trial.overall_status or NOT_STATED
    key = trial_key(trial.nct_id)
    sites = sites_of(trial, gazetteer) if sites is None else sites
    concepts = concepts_of(trial, vocabulary or default_vocabulary())
    trial_open = status in OPEN_STATUSES or status == NOT_STATED
    e = trial.eligibility
    conditions = _unique(trial.conditions + [m.term for m in trial.condition_meshes])
    interventions = _unique([i.name for i in trial.interventions] + [n for i in trial.interventions for n in i.other_names]
                            + [m.term for m in trial.intervention_meshes])
    summary = [trial.brief_summary] + [i.description for i in trial.interventions] + \
        [a.label for a in trial.arms] + [a.description for a in trial.arms]
    titles = [trial.brief_title, trial.official_title, trial.acronym]
    cells = sorted({cell for s in sites if s.lat is not None and s.lon is not None
                    for cell in cells_of(s.lat, s.lon)})
    card = {
        "title": trial.title, "status": trial.overall_status, "phases": trial.phases, "study_type": trial.study_type,
        "conditions": trial.conditions[:MAX_CARD_CONDITIONS],
        "min_age": str(e.minimum_age) if e.minimum_age else None, "max_age": str(e.maximum_age) if e.maximum_age else None,
        "sex": e.sex, "last_updated": trial.last_update_posted.date if trial.last_update_posted else None,
        "sites": [s.to_list() for s in sites],
    }
    return {
        "id": [trial.nct_id],
        "kind": ["trial"],
        "key": [key],
        "sample": sample_terms(key),
        "status_code": [STATUS_CODE[status]],
        "hash": [content_hash],
        "title": _texts(titles),
        "conditions": conditions,
        "ancestors": _unique([m.term for m in trial.condition_ancestors + trial.intervention_ancestors]),
        "interventions": interventions,
        "keywords": trial.keywords,
        "summary": _texts(summary),
        "details": _texts([first_words(trial.detailed_description, DETAILS_WORDS)]),
        "words": _texts(titles + conditions + interventions + trial.keywords + [trial.brief_summary]),
        "concepts": concepts[0],
        "related_concepts": concepts[1],
        "status": [status],
        "phase": trial.phases or [NOT_STATED],
        "study_type": [trial.study_type or NOT_STATED],
        "sex": [e.sex or NOT_STATED],
        "min_age": [e.minimum_age.years if e.minimum_age else NO_MIN_AGE],
        "max_age": [e.maximum_age.years if e.maximum_age else NO_MAX_AGE],
        "healthy": [NOT_STATED if e.healthy_volunteers is None else "YES" if e.healthy_volunteers else "NO"],
        "country": _unique([s.country for s in sites if s.country]),
        "open_country": _unique([s.country for s in sites if s.country and _site_open(s.status, trial_open)]),
        "intervention_type": _unique([i.type for i in trial.interventions if i.type]) or [NOT_STATED],
        "condition": _unique(_facet_conditions(trial)),
        "cell": cells,
        "first_posted": _dates([trial.first_posted.date if trial.first_posted else None]),
        "last_updated": _dates([trial.last_update_posted.date if trial.last_update_posted else None]),
        "card": [card],
    }


def _site_open(site_status: str | None, trial_open: bool) -> bool:
    return site_status in OPEN_STATUSES if site_status else trial_open


def _facet_conditions(trial: Trial) -> list[str]:
    """Standard terms where the record has them (so "T2DM" and "Type 2 Diabetes" count together)."""
    if trial.condition_meshes:
        return [m.term for m in trial.condition_meshes]
    return [c[:1].upper() + c[1:] for c in trial.conditions]


def parse_date(text: str) -> datetime | None:
    """A registry date (``2024``, ``2024-12`` or ``2024-12-16``) as midnight UTC of its first day."""
    parts = text.split("-")
    try:
        return datetime(int(parts[0]), int(parts[1]) if len(parts) > 1 else 1, int(parts[2]) if len(parts) > 2 else 1,
                        tzinfo=timezone.utc)
    except (ValueError, IndexError):
        return None


def _dates(values: list[str | None]) -> list[datetime]:
    return [d for d in (parse_date(v) for v in values if v) if d is not None]


def first_words(text: str | None, count: int) -> str | None:
    """The first ``count`` words of ``text`` (split at white space)."""
    if not text:
        return text
    words = text.split(maxsplit=count)
    return text if len(words) <= count else " ".join(words[:count])


def _texts(values: list[str | None]) -> list[str]:
    return [v for v in values if v]


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(v for v in values if v))
