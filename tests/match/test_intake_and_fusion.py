"""Reading the three inputs and fusing ranked lists: pure functions, no store."""

from __future__ import annotations

from match_people import aclf_bundle, bundle_with_observations
from trialscout.match import read_any, read_form, reciprocal_rank_fusion
from trialscout.match.intake import FormProblem, read_submission, slim_bundle

import orjson
import pytest


def test_fhir_bundle_gives_the_patients_city_and_country():
    person = read_any(orjson.dumps(aclf_bundle()))
    assert person.kind == "fhir"
    assert person.place == "Guangzhou, China"
    assert person.profile.sex == "male"
    assert person.conditions() == ["Acute-on-chronic liver failure", "Chronic hepatitis B"]
    assert {lab.analyte for lab in person.profile.labs} == {"bilirubin", "inr"}


def test_form_location_and_distance_are_read_beside_the_profile():
    person = read_form({"age": 9, "conditions": ["sepsis"], "location": "Chongqing, China", "within": "300km"})
    assert (person.place, person.within, person.conditions()) == ("Chongqing, China", "300km", ["sepsis"])


def test_a_plain_text_file_is_a_note():
    person = read_any(b"A 9-year-old girl with sepsis after appendicitis.")
    assert person.kind == "note" and person.profile.age == 9


def test_slimming_keeps_the_newest_results_of_each_test():
    slim, notices = slim_bundle(bundle_with_observations(200))
    observations = [e for e in slim["entry"] if e["resource"]["resourceType"] == "Observation"]
    assert len(observations) == 6  # two tests, three each
    assert "2025-05-01" in {o["resource"]["effectiveDateTime"] for o in observations}
    assert notices and "202 observations" in notices[0]


def test_the_page_form_names_the_field_to_correct():
    with pytest.raises(FormProblem) as problem:
        read_submission({"age": "nine"}, None)
    assert problem.value.field == "age"
    with pytest.raises(FormProblem) as problem:
        read_submission({"note": "x"}, orjson.dumps(aclf_bundle()))
    assert problem.value.field == "note"
    person = read_submission({"conditions": "sepsis\nasthma", "location": "Lyon, France"}, None)
    assert person.conditions() == ["sepsis", "asthma"] and person.place == "Lyon, France"


def test_fusion_rewards_trials_found_by_several_lists():
    fused = reciprocal_rank_fusion({"a": ["x", "y", "z"], "b": ["y", "w"]})
    assert [item for item, _, _ in fused] == ["y", "x", "w", "z"]
    assert dict((i, by) for i, _, by in fused)["y"] == ("a", "b")


def test_fusion_is_deterministic_on_ties_and_ignores_repeats():
    fused = reciprocal_rank_fusion({"a": ["p", "p", "q"], "b": ["q", "p"]})
    assert [i for i, _, _ in fused] == ["p", "q"]
    assert fused[0][1] == pytest.approx(1 / 61 + 1 / 62)


def test_measures_on_a_toy_ranking():
    from trialscout.match.evaluation import ndcg_at, precision_at, recall_at

    labels = {"a": 2, "b": 1, "c": 0, "d": 2}
    assert ndcg_at(["a", "d", "b"], labels) == pytest.approx(1.0)
    assert ndcg_at(["c", "b", "a"], labels) < ndcg_at(["a", "b", "c"], labels)
    assert precision_at(["a", "x", "d"], labels) == pytest.approx(0.2)
    assert recall_at(["x", "d"], labels) == pytest.approx(0.5)
