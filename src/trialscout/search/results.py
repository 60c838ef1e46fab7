"""What a search returns: the trials found (each with the site that suits the person best), counts,
facets, and notes that tell the person how their words were read."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .documents import CardSite
from .facets import Facets
from .geo import KM_PER_MILE, Place
from .query import MAX_PAGE, Distance, Understood


@dataclass(frozen=True)
class SiteHit:
    """The site a result shows: the nearest one that fits the filters (or, with no place, the first that fits)."""

    site: CardSite
    distance_km: float | None = None

    @property
    def approximate(self) -> bool:
        """The record has no coordinates for this site: it was placed at the centre of its city."""
        return self.site.located == "city"

    def distance_in(self, unit: str) -> float | None:
        if self.distance_km is None:
            return None
        return self.distance_km / KM_PER_MILE if unit == "mi" else self.distance_km

    def to_dict(self, unit: str = "km") -> dict[str, Any]:
        s = self.site
        found = {"facility": s.facility, "city": s.city, "state": s.state, "country": s.country, "status": s.status,
                 "lat": s.lat, "lon": s.lon, "located": s.located}
        if self.distance_km is not None:
            found.update(distance=round(self.distance_in(unit) or 0.0, 1), distance_unit=unit,
                         distance_approximate=self.approximate)
        return found


@dataclass(frozen=True)
class TrialHit:
    nct_id: str
    title: str
    status: str | None
    phases: tuple[str, ...]
    study_type: str | None
    conditions: tuple[str, ...]
    min_age: str | None
    max_age: str | None
    sex: str | None
    site: SiteHit | None
    site_count: int
    score: float

    @property
    def display_title(self) -> str:
        """The title, or for a record without one, what it is about."""
        if self.title != self.nct_id:
            return self.title
        return f"Untitled study: {', '.join(self.conditions)}" if self.conditions else "Untitled study"

    def to_dict(self, unit: str = "km") -> dict[str, Any]:
        return {
            "nct_id": self.nct_id, "title": self.title, "status": self.status, "phases": list(self.phases),
            "study_type": self.study_type, "conditions": list(self.conditions), "minimum_age": self.min_age,
            "maximum_age": self.max_age, "sex": self.sex, "site": self.site.to_dict(unit) if self.site else None,
            "site_count": self.site_count, "score": round(self.score, 4), "url": f"/trials/{self.nct_id}",
        }


@dataclass(frozen=True)
class SearchResults:
    hits: tuple[TrialHit, ...]
    total: int
    page: int
    per_page: int
    facets: Facets
    understood: Understood
    place: Place | None = None
    radius: Distance | None = None
    countries: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    relaxed: bool = False
    elapsed_ms: float = 0.0
    #: The search matched so many trials that the facet counts were counted in a sample of the registry and
    #: scaled up (rounded to two significant digits: "about 38,000"). The total is always exact.
    facets_estimated: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def pages(self) -> int:
        """Pages that can be opened: every result's, up to ``MAX_PAGE`` (a page further on is refused)."""
        return min(MAX_PAGE, max(1, -(-self.total // self.per_page)))

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def unit(self) -> str:
        return self.radius.unit if self.radius else "km"

    def to_dict(self) -> dict[str, Any]:
        u = self.understood
        return {
            "total": self.total, "facets_estimated": self.facets_estimated,
            "page": self.page, "per_page": self.per_page, "pages": self.pages,
            "trials": [h.to_dict(self.unit) for h in self.hits],
            "facets": self.facets.to_dict(),
            "place": None if self.place is None else {
                "label": self.place.label, "lat": self.place.lat, "lon": self.place.lon,
                "alternatives": list(self.place.alternatives)},
            "within": None if self.radius is None or self.place is None else
            {"value": self.radius.value, "unit": self.radius.unit, "km": round(self.radius.km, 3)},
            "countries": list(self.countries),
            "understood": {
                "concepts": [{"typed": c.label, "concept": c.concept,
                              "searched_for": [e.term for e in c.expansions][:30]} for c in u.concepts],
                "corrections": [{"typed": a, "read_as": b} for a, b in u.corrections],
                "ignored": list(u.ignored),
                "age": u.age, "phases": list(u.phases),
            },
            "notes": list(self.notes),
            "relaxed": self.relaxed,
            "elapsed_ms": round(self.elapsed_ms, 2),
        }
