"""One person checked against many trials: the profile prepared once gives every result the per-call way gives,
stored parses decoded once per process stay correct, and whole-word term matching is the pattern's."""

import re
from datetime import date

import orjson
import pytest
from elig_fixtures import aclf_bundle, demo_records, parse_record
from hypothesis import given, strategies as st

from trialscout.eligibility import (
    CriteriaError, ParsedEligibility, evaluate, parse_eligibility, prepare_profile, profile_from_fhir,
    profile_from_form, profile_from_note,
)
from trialscout.eligibility import parse_cache
from trialscout.eligibility.derive import parsed_from_payload
from trialscout.eligibility.entity_checks import _whole_word_in

TODAY = date(2025, 6, 15)
pytestmark = pytest.mark.skipif(not demo_records(), reason="shared/data/ctgov_api_v2 is not present")


@pytest.fixture(scope="module")
def stored():
    """The JSON of the first 60 demo trials' parses, as the derive step stores them."""
    return [parse_record(record).to_json() for record in demo_records()[:60]]


@pytest.fixture(scope="module")
def people():
    return [
        profile_from_form({"age": 58, "sex": "female", "conditions": ["type 2 diabetes", "hypertension"],
                           "absent_conditions": ["HIV", "hepatitis B"], "medications": ["metformin"],
                           "labs": [{"name": "creatinine", "value": 1.1, "unit": "mg/dL"}], "scores": {"ecog": 1},
                           "answers": {"consent": "yes", "criterion:2": True}}),
        profile_from_fhir(aclf_bundle(), today=TODAY),
        profile_from_note("A 34-year-old woman with asthma and a history of stroke. She denies smoking. "
                          "She is not pregnant. Creatinine 0.9 mg/dL."),
        profile_from_form({}),
    ]


def test_a_profile_prepared_once_gives_what_each_call_gives(stored, people):
    parses = [ParsedEligibility.from_json(s) for s in stored]
    for profile in people:
        person = prepare_profile(profile, TODAY)
        for parsed in parses:  # the same prepared person for every trial, as a match checks its candidates
            once = evaluate(parsed, person)
            assert once.model_dump_json() == evaluate(parsed, profile, today=TODAY).model_dump_json()


def test_a_prepared_profile_asked_about_another_day_is_read_for_that_day(stored):
    profile = profile_from_form({"birth_date": "2007-06-20", "sex": "male"})  # 18 on 2025-06-20
    parsed = parse_eligibility("Inclusion Criteria:\n* Age 18 years or older", None, None, None)
    person = prepare_profile(profile, TODAY)
    assert evaluate(parsed, person).criteria[0].status == "not_met"
    assert evaluate(parsed, person, today=date(2025, 7, 1)).criteria[0].status == "met"


def test_a_profile_changed_after_preparing_is_read_afresh_when_prepared_again():
    parsed = parse_eligibility("Exclusion Criteria:\n* HIV infection", None, None, None)
    profile = profile_from_form({"age": 40, "conditions": ["HIV"]})
    assert evaluate(parsed, prepare_profile(profile, TODAY)).criteria[0].status == "met"
    changed = profile_from_form({"age": 40, "absent_conditions": ["HIV"]})
    assert evaluate(parsed, prepare_profile(changed, TODAY)).criteria[0].status == "not_met"


def test_stored_parses_are_decoded_once_and_stay_what_they_were(stored):
    parse_cache.clear()
    payloads = [{"parse": orjson.loads(s)} for s in stored]
    first = [parsed_from_payload(p) for p in payloads]
    again = [parsed_from_payload(p) for p in payloads]
    assert all(a is b for a, b in zip(first, again))  # the same bytes: the decoded objects are reused
    assert [p.to_json() for p in first] == stored  # and they are the stored parses
    changed = orjson.loads(stored[0])
    changed["criteria"] = changed["criteria"][:1]
    other = parsed_from_payload({"parse": changed})  # a re-derived parse is decoded afresh, never the old one
    assert other is not first[0] and len(other.criteria) == 1


def test_damaged_or_older_stored_parses_are_read_as_before(stored):
    parse_cache.clear()
    damaged = orjson.loads(stored[0])
    damaged["criteria"][0]["logic"] = "sometimes"
    assert parsed_from_payload({"parse": damaged}) is None  # a parse that cannot be read: the caller re-derives
    with pytest.raises(CriteriaError, match="re-run parse_eligibility"):
        parse_cache.decoded(orjson.dumps(damaged))
    older = orjson.loads(stored[1])
    older["version"] = 3  # written by an older parser: validated as always (is_current re-derives it)
    assert parsed_from_payload({"parse": older}).version == 3


@given(st.text(alphabet="ab _-1é²ß", max_size=4), st.text(alphabet="ab _-1é²ß", max_size=12))
def test_whole_word_matching_is_the_patterns(part, text):
    assert _whole_word_in(part, text) == bool(re.search(rf"(?<!\w){re.escape(part)}(?!\w)", text))
