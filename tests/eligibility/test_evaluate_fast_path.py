"""The evaluation fast path: results are the models validation would give, questions match their ids,
and nothing about a person is kept from one call to the next."""

from datetime import date

import pytest
from elig_fixtures import aclf_bundle, demo_records, parse_record

from trialscout.eligibility import (
    Criterion, CriterionResult, EligibilityResult, ParsedEligibility, evaluate, parse_criterion,
    profile_from_fhir, profile_from_form, profile_from_note, questions_for,
)
from trialscout.eligibility.questions import question_ids, questions_for_constraint

TODAY = date(2025, 6, 15)
pytestmark = pytest.mark.skipif(not demo_records(), reason="shared/data/ctgov_api_v2 is not present")


@pytest.fixture(scope="module")
def stored_parses():
    """The first 80 demo trials, parsed, stored and read back as the derive step and a match request do."""
    return [ParsedEligibility.from_json(parse_record(record).to_json()) for record in demo_records()[:80]]


@pytest.fixture(scope="module")
def people():
    return [
        profile_from_form({"age": 58, "sex": "female", "conditions": ["type 2 diabetes", "hypertension"],
                           "absent_conditions": ["HIV"], "medications": ["metformin"],
                           "labs": [{"name": "creatinine", "value": 1.1, "unit": "mg/dL"}], "scores": {"ecog": 1},
                           "answers": {"consent": "yes", "criterion:2": True, "lab_flag:crp": "high"}}),
        profile_from_fhir(aclf_bundle(), today=TODAY),
        profile_from_note("A 34-year-old woman with asthma. She denies smoking. She is not pregnant. "
                          "Creatinine 0.9 mg/dL."),
    ]


def test_results_are_exactly_what_validating_them_gives(stored_parses, people):
    for parsed in stored_parses:
        for person in people:
            result = evaluate(parsed, person, today=TODAY)
            again = EligibilityResult.model_validate(result.model_dump())
            assert again == result
            assert again.model_dump_json() == result.model_dump_json()
            assert result.model_fields_set == again.model_fields_set
            for criterion in result.criteria:
                assert CriterionResult(**criterion.model_dump()).model_fields_set == criterion.model_fields_set


def test_results_can_be_changed_by_the_caller_like_any_model(stored_parses, people):
    result = evaluate(stored_parses[0], people[0], today=TODAY)
    first = result.criteria[0]
    first.reason = "changed"
    first.evidence.append(first.evidence[0] if first.evidence else None)  # type: ignore[arg-type]
    fresh = evaluate(stored_parses[0], people[0], today=TODAY)
    assert fresh.criteria[0].reason != "changed"
    assert len(fresh.criteria[0].evidence) == len(first.evidence) - 1


def test_each_unknown_criterion_lists_questions_the_trial_offers(stored_parses, people):
    for parsed in stored_parses:
        offered = {q.id for q in questions_for(parsed, include_review=True)}
        for person in people:
            result = evaluate(parsed, person, today=TODAY)
            listed = {q.id for q in result.questions}
            assert len(listed) == len(result.questions)  # each question once
            assert listed <= offered
            for criterion in result.criteria:  # (items of a "one of the following" group are asked as options)
                if criterion.status == "unknown" and not criterion.needs_review and criterion.parent is None:
                    assert set(criterion.questions) <= listed


def test_question_ids_are_the_ids_of_the_questions(stored_parses):
    for parsed in stored_parses:
        for pc in parsed.all():
            for c in [*pc.constraints, *pc.exceptions]:
                for alternatives in (True, False):
                    ids = question_ids(c, pc.criterion.index, alternatives=alternatives)
                    built = questions_for_constraint(c, pc.criterion.index, alternatives=alternatives)
                    assert ids == [q.id for q in built]


def test_a_profile_changed_between_two_checks_is_read_afresh():
    parsed = ParsedEligibility(criteria=[
        parse_criterion(Criterion(kind="exclusion", text="Diabetes", index=0)),
        parse_criterion(Criterion(kind="inclusion", text="Age 18 to 65 years", index=1))])
    person = profile_from_form({"age": 40, "conditions": ["hypertension"]})
    assert evaluate(parsed, person, today=TODAY).verdict == "likely_eligible"
    person.conditions.append(profile_from_form({"conditions": ["diabetes"]}).conditions[0])
    assert evaluate(parsed, person, today=TODAY).verdict == "likely_not_eligible"
    person.age = 70
    assert evaluate(parsed, person, today=TODAY).criteria[1].status == "not_met"
    person.answers["condition:diabetes"] = "no"  # a "no" against the diabetes listed: contradictory
    assert evaluate(parsed, person, today=TODAY).criteria[0].status == "unknown"
