"""The offline gazetteer: what a person types, and sites without coordinates."""

from __future__ import annotations

import json

import pytest

from trialscout.search.errors import InvalidQuery, UnknownPlace
from trialscout.search.geo import DATA, Country, default_gazetteer, distance_km, normalize


@pytest.fixture(scope="module")
def gazetteer():
    return default_gazetteer()


@pytest.mark.parametrize("text, label", [
    ("Guangzhou", "Guangzhou, Guangdong, China"),
    ("guangzhou, guangdong, china", "Guangzhou, Guangdong, China"),
    ("Springfield, IL", "Springfield, Illinois, United States"),
    ("Springfield IL", "Springfield, Illinois, United States"),
    ("Springfield, Massachusetts", "Springfield, Massachusetts, United States"),
    ("Paris, France", "Paris, France"),
    ("Paris, Texas", "Paris, Texas, United States"),
    ("Toronto, ON", "Toronto, Ontario, Canada"),
    ("Kobe, Hyogo, Japan", "Kobe, Hyogo, Japan"),
    ("New York", "New York City, New York, United States"),
    ("Cologne", "Köln, North Rhine-Westphalia, Germany"),
    ("München", "Munich, Bavaria, Germany"),
    ("St. Louis, MO", "St. Louis, Missouri, United States"),
])
def test_places_people_type(gazetteer, text, label):
    assert gazetteer.resolve(text).label == label


def test_an_ambiguous_name_takes_the_most_populous_and_lists_the_others(gazetteer):
    place = gazetteer.resolve("Springfield")
    assert place.label == "Springfield, Missouri, United States"
    assert "Springfield, Illinois, United States" in place.alternatives


def test_a_country_name_is_a_country(gazetteer):
    assert gazetteer.resolve("France") == Country("FR", "France")
    assert gazetteer.resolve("Korea, Republic of") == Country("KR", "South Korea")


def test_coordinates(gazetteer):
    place = gazetteer.resolve("23.1291, 113.2644")
    assert (place.lat, place.lon) == (23.1291, 113.2644)
    with pytest.raises(InvalidQuery):
        gazetteer.resolve("123.0, 500.0")


def test_unknown_places_suggest_close_names(gazetteer):
    with pytest.raises(UnknownPlace) as error:
        gazetteer.resolve("Guangzhuo")
    assert error.value.suggestions[0] == "Guangzhou, Guangdong, China"
    assert "Did you mean" in error.value.message
    with pytest.raises(UnknownPlace) as error:
        gazetteer.resolve("Qqqqqqqq")
    assert error.value.suggestions == [] and "coordinates" in error.value.message


def test_sites_without_coordinates_are_placed_at_their_city(gazetteer):
    city = gazetteer.locate_site("Guangzhou", "Guangdong", "China")
    assert city.name == "Guangzhou"
    assert gazetteer.locate_site("Kodaira-Shi", None, "Japan").name == "Kodaira"
    assert gazetteer.locate_site("Seoul", "Seoul Teugbyeolsi", "Korea, Republic of").name == "Seoul"
    assert gazetteer.locate_site("Springfield", "Illinois", "United States").admin1 == "IL"
    assert gazetteer.locate_site("Nowhere-in-particular", None, "China") is None
    assert gazetteer.locate_site("Guangzhou", None, None) is None


def test_every_region_in_the_data_names_a_city_the_gazetteer_knows(gazetteer):
    data = json.loads(DATA.read_text(encoding="utf-8"))
    for country, regions in data["regions"].items():
        for names, capital in regions.items():
            assert gazetteer._named(normalize(capital), country), f"{capital} ({country}) for {names}"
            for name in names.split("|"):
                assert gazetteer.regions(name, country), name
    for alias, code in data["countries"].items():
        assert gazetteer.country(alias).code == code


def test_distance():
    assert distance_km(23.11667, 113.25, 22.54554, 114.0683) == pytest.approx(105, abs=3)
    assert distance_km(0, 0, 0, 0) == 0
