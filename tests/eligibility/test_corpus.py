"""Every real demo record parses and evaluates without an exception; the TrialGPT harness runs."""

from datetime import date

import pytest
from elig_fixtures import TRIALGPT_DEV, aclf_bundle, demo_records, parse_record

from trialscout.eligibility import (
    ParsedEligibility, Profile, evaluate, profile_from_fhir, profile_from_note, questions_for,
)
from trialscout.eligibility.evaluation import score_trialgpt

TODAY = date(2025, 6, 15)
pytestmark = pytest.mark.skipif(not demo_records(), reason="shared/data/ctgov_api_v2 is not present")


@pytest.fixture(scope="module")
def parsed_records():
    return [parse_record(record) for record in demo_records()]


def test_every_demo_record_parses_and_keeps_every_criterion(parsed_records):
    assert len(parsed_records) == len(demo_records()) == 806
    total = sum(len(p.criteria) for p in parsed_records)
    understood = sum(1 for p in parsed_records for pc in p.criteria if not pc.needs_review)
    assert total > 10_000
    assert understood / total > 0.7
    for parsed in parsed_records[::40]:
        assert ParsedEligibility.from_json(parsed.to_json()) == parsed


def test_every_demo_record_evaluates_for_several_profiles(parsed_records):
    profiles = [
        Profile(),
        profile_from_fhir(aclf_bundle(), today=TODAY),
        profile_from_note("A 34-year-old woman with asthma and type 2 diabetes. She denies smoking. "
                          "She is not pregnant. HbA1c 8.1%, creatinine 0.9 mg/dL, platelets 210 x10^9/L."),
    ]
    verdicts = set()
    for parsed in parsed_records:
        questions_for(parsed)
        for profile in profiles:
            result = evaluate(parsed, profile, today=TODAY)
            assert len(result.criteria) == len(parsed.all())
            verdicts.add(result.verdict)
    assert verdicts == {"likely_eligible", "likely_not_eligible", "need_more_information"} or len(verdicts) >= 2


@pytest.mark.skipif(not TRIALGPT_DEV.exists(), reason="TrialGPT annotations not present")
def test_trialgpt_harness_beats_the_majority_baseline():
    report = score_trialgpt(TRIALGPT_DEV, verbose=False)
    assert report["pairs"] == 490
    assert report["accuracy_closed_world"] > report["majority_baseline"]
