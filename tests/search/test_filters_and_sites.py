"""Filters and the site a result shows, on small trials that differ in one thing each."""

from __future__ import annotations

from datetime import date

import pytest


def test_result_shows_the_nearest_site_that_fits_not_the_first_listed(synthetic):
    hit = synthetic.search("liver failure", near="Guangzhou", within="200km").hits[0]
    assert hit.nct_id == "NCT90000001"
    # Beijing is listed first; Guangzhou is nearest but its own status is completed; Shenzhen recruits.
    assert hit.site.site.facility == "Open Hospital"
    assert hit.site.site.status == "RECRUITING"
    assert 90 < hit.site.distance_km < 120
    assert not hit.site.approximate


def test_with_any_status_the_nearest_site_is_shown_with_its_own_status(synthetic):
    hit = synthetic.search("liver failure", near="Guangzhou", within="200km", status="any").hits[0]
    assert hit.site.site.facility == "Near But Closed Hospital"
    assert hit.site.site.status == "COMPLETED"
    assert hit.site.distance_km < 1


def test_a_trial_whose_only_near_site_is_closed_is_not_near_for_an_open_search(synthetic):
    assert synthetic.ids("liver failure", near="Guangzhou", within="50km") == []
    assert synthetic.ids("liver failure", near="Guangzhou", within="50km", status="any") == ["NCT90000001"]


def test_without_a_place_the_first_site_that_fits_is_shown(synthetic):
    hit = synthetic.search("liver failure").hits[0]
    assert hit.site.site.facility == "Far Hospital"  # open, and first listed
    hit = synthetic.search("liver failure", country=("China",)).hits[0]
    assert hit.site.site.country == "China"
    assert hit.site.distance_km is None


@pytest.mark.parametrize("age, expected", [
    (70, {"NCT90000002", "NCT90000004", "NCT90000007"}),
    (10, {"NCT90000003", "NCT90000004", "NCT90000007"}),
    (1, {"NCT90000003", "NCT90000004", "NCT90000005", "NCT90000007"}),
    (18, {"NCT90000002", "NCT90000004", "NCT90000007"}),
    (17, {"NCT90000003", "NCT90000004", "NCT90000007"}),
])
def test_age_is_between_minimum_and_maximum_and_a_missing_bound_is_no_bound(synthetic, age, expected):
    assert set(synthetic.ids("asthma", age=age)) == expected


def test_age_in_words_is_an_age_filter(synthetic):
    results = synthetic.search("asthma 8 year old")
    assert {h.nct_id for h in results.hits} == {"NCT90000003", "NCT90000004", "NCT90000007"}
    assert any("aged 8" in n for n in results.notes)


def test_sex_keeps_trials_open_to_that_sex(synthetic):
    assert "NCT90000005" not in synthetic.ids("asthma", sex="female")
    assert "NCT90000003" in synthetic.ids("asthma", sex="female")
    assert "NCT90000003" not in synthetic.ids("asthma", sex="male")


def test_healthy_volunteers_phase_and_study_type(synthetic):
    assert synthetic.ids("asthma", healthy_volunteers=True) == ["NCT90000003"]
    assert synthetic.ids("asthma", healthy_volunteers=False) == ["NCT90000005"]
    assert synthetic.ids("asthma", phase=("2",)) == ["NCT90000004"]
    assert set(synthetic.ids("asthma", phase=("2", "phase 3"))) == {"NCT90000004", "NCT90000005"}
    assert synthetic.ids("asthma phase 3") == ["NCT90000005"]
    assert synthetic.ids("asthma", study_type=("observational",)) == []


def test_first_posted_and_last_updated_dates(synthetic):
    assert synthetic.ids("asthma", first_posted_from=date(2021, 1, 1)) == ["NCT90000005"]
    assert synthetic.ids("asthma", first_posted_to=date(2021, 1, 1)) == ["NCT90000004"]
    assert synthetic.ids("asthma", updated_from=date(2024, 1, 1), updated_to=date(2024, 12, 31)) == ["NCT90000004"]


def test_status_not_stated_is_open_by_default_and_can_be_asked_for(synthetic):
    assert "NCT90000007" in synthetic.ids("asthma")
    assert synthetic.ids("asthma", status="not_stated") == ["NCT90000007"]
    assert "NCT90000006" not in synthetic.ids("asthma")
    assert "NCT90000006" in synthetic.ids("asthma", status="any")


def test_sites_without_coordinates_are_placed_by_city_state_and_country(synthetic):
    illinois = synthetic.search("asthma", near="Springfield, IL", within="10km", status="any")
    assert {h.nct_id for h in illinois.hits} == {"NCT90000006", "NCT90000007"}
    assert all(h.site.approximate for h in illinois.hits)
    assert synthetic.ids("asthma", near="Springfield, MO", within="10km", status="any") == []


def test_country_filter_accepts_names_and_codes(synthetic):
    assert set(synthetic.ids("asthma", country=("France",))) == set(synthetic.ids("asthma", country=("FR",)))
    assert set(synthetic.ids("asthma", country=("FR",))) == {"NCT90000002", "NCT90000003", "NCT90000004",
                                                             "NCT90000005"} - {"NCT90000005"}


def test_coordinates_work_as_a_place(synthetic):
    results = synthetic.search("", near="23.12, 113.25", within="150km")
    assert results.place.label == "23.12, 113.25"
    assert [h.nct_id for h in results.hits] == ["NCT90000001"]
