"""The summary states the tested medicine's dose and schedule when its descriptions say it plainly,
and says nothing when they do not (a wrong dose is worse than none)."""

from __future__ import annotations

import pytest

from trialscout.plain import Evidence, explain_trial
from trialscout.plain.dosing import read_dose


@pytest.fixture(scope="module")
def demo(demo_trials):
    return {t.nct_id: t for t in demo_trials}


def _summary(trial, res) -> str:
    page = explain_trial(trial, res)
    assert page.defects == []  # no sentence was dropped as ungrounded
    return " ".join(page.draft.summary)


def test_cirrhosis_seed_states_cells_per_dose_and_two_doses_24_weeks_apart(res, seeds):
    # The record: "UC-MSC infusion by intravenus, 1\*10\^8 cells/dose, 2 doses (apart from 24weeks)"
    summary = _summary(seeds["NCT05106972"], res)
    assert "Each dose is 1×10^8 cells; 2 doses are given 24 weeks apart." in summary
    assert "\\" not in summary


def test_dose_sentence_numbers_trace_to_the_record_as_written(res, seeds):
    trial = seeds["NCT05106972"]
    evidence = Evidence(trial, res.glossary, res.lexicon, res.known_words, res.claim_reader)
    assert evidence.problems("Each dose is 1×10^8 cells; 2 doses are given 24 weeks apart.") == []
    assert evidence.problems("Each dose is 1×10^9 cells; 3 doses are given 12 weeks apart.") != []


def test_galcanezumab_300_mg_every_30_days(res, demo):
    # "Galcanezumab 300mg administered subcutaneously (SC) every 30 days during an 8 week treatment period."
    assert "Each dose is 300 mg; it is given every 30 days." in _summary(demo["NCT02397473"], res)


def test_melatonin_3_mg_once_daily(res, demo):
    # "Melatonin 3mg once daily at bedtime"
    assert "Each dose is 3 mg; it is given once a day." in _summary(demo["NCT02691897"], res)


def test_eye_drops_once_daily_for_7_days(res, demo):
    # "1 drop STN1012600 ophthalmic solution 0.002% once daily for 7 days"
    assert "It is given once a day for 7 days." in _summary(demo["NCT05905653"], res)


@pytest.mark.parametrize("nct_id", ["NCT03953092",  # 5, 10 or 25 mg by arm: dose-ranging
                                    "NCT03764280",  # "once or twice daily" insulin
                                    "NCT02724163"])  # chemotherapy courses with many drugs and days
def test_no_dose_is_stated_when_the_record_is_not_plain_about_it(res, demo, nct_id):
    summary = _summary(demo[nct_id], res)
    assert "Each dose is" not in summary and "it is given every" not in summary
    assert "once a day" not in summary and "twice a day" not in summary


def test_dose_reader_unescapes_and_refuses_mixed_amounts():
    from trialscout.plain.text import normalize
    dose = read_dose([normalize(r"UC-MSC infusion by intravenus, 1\*10\^8 cells/dose, 2 doses (apart from 24weeks)")])
    assert dose is not None and (dose.amount, dose.count, dose.interval) == ("1×10^8 cells", "2 doses", "24 weeks")
    assert read_dose(["Drug X 10 mg on week 1 and 20 mg from week 2"]) is None
    assert read_dose(["Drug X 10-20 mg every 2 weeks"]) is None
    assert read_dose(["Drug X given as needed"]) is None
