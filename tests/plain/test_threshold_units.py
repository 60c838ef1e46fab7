"""A threshold phrase never drops its unit or turns a change into a level: it says nothing instead."""

from __future__ import annotations

from trialscout.plain import explain_trial
from trialscout.plain.joining import threshold_phrase


def test_pt_prolongation_in_seconds_is_not_published_as_prothrombin_time_of_3(res, seeds):
    # The record: "PT prolongation is greater than 3 seconds"
    who = explain_trial(seeds["NCT05106972"], res).draft.who
    assert not any("more than 3 " in s or s.endswith("more than 3.") or "of more than 3 cannot" in s
                   for s in who.thresholds)
    assert threshold_phrase("PT prolongation is greater than 3 seconds", res) is None
    # the criterion itself keeps the prolongation and the seconds
    assert "Prothrombin time prolongation is greater than 3 seconds" in who.cannot


def test_a_unit_the_phrase_cannot_carry_drops_the_whole_threshold(res):
    assert threshold_phrase("uncontrolled hypothyroidism (TSH > 10 uUI/mL)", res) is None
    assert threshold_phrase("fasted glucose <126 mg/d;", res) is None
    assert threshold_phrase("Karnofsky (age ≥16 years at the time of assent)", res) is None


def test_a_threshold_with_a_known_unit_is_still_stated(res):
    phrase = threshold_phrase("Total bilirubin (TBil) ≥ 171μmol/L", res)
    assert phrase is not None and "at least 171 μmol/L" in phrase


def test_the_value_belongs_to_the_name_next_to_it(res):
    # "PT INR > 2.0" is the INR, not the prothrombin time
    phrase = threshold_phrase("hemostatic disorder (PT INR > 2.0 or taking anticoagulant)", res)
    assert phrase is not None and phrase.startswith("INR") and "more than 2.0" in phrase
