"""Search over the real demo data, as a person would use it."""

from __future__ import annotations

import pytest

from trialscout.search import InvalidQuery, UnknownPlace
from trialscout.trial import OPEN_STATUSES


def test_liver_failure_stem_cells_near_guangzhou_finds_the_seed_trial_with_its_guangzhou_site(demo):
    results = demo.search("liver failure stem cells near Guangzhou")
    assert results.place is not None and results.place.label.startswith("Guangzhou")
    hits = {h.nct_id: h for h in results.hits}
    assert "NCT06740149" in hits
    hit = hits["NCT06740149"]
    assert hit.site is not None
    assert hit.site.site.city == "Guangzhou"
    assert hit.site.site.facility == "Third Affliated Hospital of Sun Yat-sen University"
    assert hit.site.distance_km is not None and hit.site.distance_km < 5
    assert hit.site.approximate  # the record has no coordinates: placed at the city centre
    assert all(h.site and h.site.distance_km <= 100 for h in results.hits)


def test_abbreviation_aclf_finds_acute_on_chronic_liver_failure(demo):
    assert demo.ids("ACLF")[0] == "NCT06740149"
    assert demo.ids("acute on chronic liver failure")[0] == "NCT06740149"


def test_nsclc_and_non_small_cell_lung_cancer_find_the_same_trials(demo):
    abbreviation = set(demo.ids("NSCLC"))
    words = set(demo.ids("non-small cell lung cancer"))
    assert len(abbreviation) >= 20
    assert len(abbreviation & words) >= 0.9 * len(abbreviation)


@pytest.mark.parametrize("typed, meant", [
    ("hart attack", "myocardial infarction"), ("heart atack", "myocardial infarction"),
    ("diabetis", "diabetes"), ("schizofrenia", "schizophrenia"), ("migrane", "migraine"), ("astma", "asthma"),
])
def test_misspellings_are_read_as_what_was_meant_and_the_page_says_so(demo, typed, meant):
    results = demo.search(typed, status="any")
    assert results.total > 0
    assert any(meant in note for note in results.notes), results.notes
    assert any(typed in note for note in results.notes)


def test_misspelt_and_correct_words_find_the_same_trials(demo):
    assert demo.ids("schizofrenia") == demo.ids("schizophrenia")
    assert demo.ids("migrane")[:10] == demo.ids("migraine")[:10]


def test_lay_words_find_the_medical_terms(demo):
    assert set(demo.ids("my liver stopped working")) >= {"NCT06740149", "NCT07276568", "TSLOCAL-0002"}
    suicide = set(demo.ids("suicide headache"))
    cluster = set(demo.ids("cluster headache"))
    assert suicide and suicide == cluster


def test_stem_cells_finds_msc_uc_msc_bone_marrow_msc_and_ipsc_derived_cells(demo):
    found = set(demo.ids("stem cells"))
    assert {"NCT05106972", "NCT06740149", "NCT06882811", "NCT07276568", "TSLOCAL-0002"} <= found


def test_default_status_is_open_and_any_status_on_request(demo):
    open_ids = demo.search("cluster headache", per_page=100)
    assert all(h.status in OPEN_STATUSES or h.status is None for h in open_ids.hits)
    everything = demo.search("cluster headache", status="any", per_page=100)
    assert everything.total > open_ids.total
    assert any(h.status == "COMPLETED" for h in everything.hits)
    completed = demo.search("cluster headache", status="completed", per_page=100)
    assert {h.status for h in completed.hits} == {"COMPLETED"}


def test_open_filter_keeps_trials_whose_status_is_not_stated(demo):
    hit = next(h for h in demo.search("ACLF").hits if h.nct_id == "NCT06740149")
    assert hit.status is None


def test_status_facet_counts_other_statuses_so_the_page_can_link_to_them(demo):
    results = demo.search("cluster headache")
    counts = {f.value: f.count for f in results.facets.status}
    assert counts["COMPLETED"] > 0
    assert sum(counts[s] for s in counts if s in OPEN_STATUSES) == results.total
    any_status = demo.search("cluster headache", status="any")
    assert sum(counts.values()) == any_status.total


def test_facets_count_phase_country_and_condition_of_the_results(demo):
    results = demo.search("NSCLC")
    countries = {f.value: f.count for f in results.facets.country}
    assert countries["China"] >= 10
    assert all(0 < f.count <= results.total for f in results.facets.phase + results.facets.condition)
    in_china = demo.search("NSCLC", country=("China",))
    assert in_china.total == countries["China"]


def test_a_place_that_is_a_country_filters_by_country(demo):
    results = demo.search("lung cancer in Japan")
    assert results.place is None and "Japan" in results.countries
    assert {"NCT05826366", "NCT05879978"} <= {h.nct_id for h in results.hits}
    assert all(h.site and h.site.site.country == "Japan" for h in results.hits)


def test_distances_in_miles_when_asked_in_miles(demo):
    km = demo.search("NSCLC", near="Shanghai", within="80km")
    miles = demo.search("NSCLC", near="Shanghai", within="50mi")
    assert miles.unit == "mi" and miles.to_dict()["within"]["unit"] == "mi"
    assert [h.nct_id for h in km.hits] == [h.nct_id for h in miles.hits]


def test_near_results_are_ordered_by_nearness_when_no_words(demo):
    results = demo.search("", near="Paris, France", within="300km", per_page=50)
    distances = [h.site.distance_km for h in results.hits]
    assert distances == sorted(distances)
    assert all(d <= 300 for d in distances)


def test_pages_are_stable_and_do_not_overlap(demo):
    first = demo.search("leukemia", page=1, per_page=10)
    second = demo.search("leukemia", page=2, per_page=10)
    everything = demo.search("leukemia", per_page=100)
    assert first.total == second.total == everything.total > 20
    assert [h.nct_id for h in first.hits + second.hits] == [h.nct_id for h in everything.hits[:20]]
    assert [h.nct_id for h in demo.search("leukemia", page=2, per_page=10).hits] == [h.nct_id for h in second.hits]


def test_pages_near_a_place_do_not_overlap(demo):
    first = demo.search("", near="Beijing", within="50km", per_page=5)
    second = demo.search("", near="Beijing", within="50km", per_page=5, page=2)
    everything = demo.search("", near="Beijing", within="50km", per_page=10)
    assert [h.nct_id for h in first.hits + second.hits] == [h.nct_id for h in everything.hits]


def test_ambiguous_place_takes_the_biggest_and_says_which(demo):
    results = demo.search("", near="Springfield")
    assert results.place.label == "Springfield, Missouri, United States"
    assert any("Springfield, Illinois" in note for note in results.notes)
    assert demo.search("", near="Springfield, IL").place.label == "Springfield, Illinois, United States"


def test_unknown_place_says_so_and_suggests_close_names(demo):
    with pytest.raises(UnknownPlace) as error:
        demo.search("NSCLC", near="Guangzhuo")
    assert "Guangzhuo" in str(error.value)
    assert error.value.suggestions[0] == "Guangzhou, Guangdong, China"
    with pytest.raises(UnknownPlace):
        demo.search("NSCLC near Shanghaii Xyzzy")


def test_in_followed_by_words_that_are_not_a_place_is_just_words(demo):
    results = demo.search("asthma in children")
    assert results.place is None
    assert not any("place" in n.lower() for n in results.notes)


def test_words_matching_nothing_together_fall_back_to_some_and_say_so(demo):
    results = demo.search("sepsis migraine")
    assert results.relaxed and results.total > 0
    assert any("some of them" in n for n in results.notes)


def test_invalid_filters_name_the_parameter(demo):
    for fields, parameter in [({"within": "far away"}, "within"), ({"age": 300}, "age"), ({"phase": ("9",)}, "phase"),
                              ({"status": ("sleeping",)}, "status"), ({"sex": "robot"}, "sex"), ({"page": 0}, "page")]:
        with pytest.raises(InvalidQuery) as error:
            demo.search("asthma", near="Paris" if parameter == "within" else None, **fields)
        assert error.value.parameter == parameter, fields


def test_near_without_words_shows_the_nearest_when_too_many_trials_match(demo, monkeypatch):
    from trialscout.search import service as search_service

    everything = demo.search("", near="Paris, France", within="300km", per_page=100)
    nearest_first = [h.site.distance_km for h in everything.hits]
    assert everything.total > 12
    monkeypatch.setattr(search_service, "MAX_NEAR_CANDIDATES", 10)
    capped = demo.search("", near="Paris, France", within="300km", per_page=100)
    distances = [h.site.distance_km for h in capped.hits]
    assert 0 < len(distances) <= 10
    assert distances == nearest_first[:len(distances)]  # the nearest ones, not an arbitrary ten
    assert any("these are the nearest" in note and "300 km" in note for note in capped.notes)
