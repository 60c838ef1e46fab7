"""Checking a person against criteria: verdicts, reasons, evidence and questions."""

from datetime import date

import pytest
from elig_fixtures import SEED_002, aclf_bundle

from trialscout.eligibility import (
    Criterion, ParsedEligibility, Profile, evaluate, parse_criterion, parse_eligibility, profile_from_fhir,
    profile_from_form, profile_from_note, questions_for,
)

TODAY = date(2025, 6, 15)
TBIL = "Total bilirubin (TBil) ≥ 171μmol/L or an increase of ≥ 17.1μmol/L per day"


def one(text: str, kind: str = "inclusion") -> ParsedEligibility:
    return ParsedEligibility(criteria=[parse_criterion(Criterion(kind=kind, text=text, index=0))])


def verdict(text: str, profile: Profile, kind: str = "inclusion"):
    return evaluate(one(text, kind), profile, today=TODAY).criteria[0]


def bilirubin(*values):
    return profile_from_form({"labs": [{"name": "bilirubin", "value": v, "unit": u, "date": d} for v, u, d in values]})


def test_bilirubin_in_mg_dl_meets_a_threshold_in_umol_l():
    result = verdict(TBIL, bilirubin((12, "mg/dL", "2025-06-01")))
    assert result.status == "met"
    assert "12 mg/dL" in result.reason and "205" in result.reason
    assert result.evidence and "12" in result.evidence[0].text


def test_low_bilirubin_with_a_slow_rise_does_not_meet_it():
    result = verdict(TBIL, bilirubin((5, "mg/dL", "2025-06-01"), (5.1, "mg/dL", "2025-06-02")))
    assert result.status == "not_met"


def test_low_bilirubin_without_a_second_value_leaves_the_daily_rise_open():
    result = verdict(TBIL, bilirubin((5, "mg/dL", "2025-06-01")))
    assert result.status == "unknown"
    assert "two dated results" in result.reason


def test_bilirubin_in_a_unit_that_cannot_be_converted_is_unknown_not_wrong():
    result = verdict(TBIL, bilirubin((12, "grains/gallon", "2025-06-01")))
    assert result.status == "unknown"
    assert "cannot be converted" in result.reason
    assert "lab:bilirubin" in result.questions


def test_meld_exclusion_uses_the_computed_score_and_reports_it():
    sick = profile_from_form({"labs": [
        {"name": "bilirubin", "value": 25, "unit": "mg/dL"}, {"name": "INR", "value": 3.5},
        {"name": "creatinine", "value": 3.0, "unit": "mg/dL"}]})
    result = verdict("Patients with a MELD score \\> 30", sick, "exclusion")
    assert result.status == "met" and result.applies is True
    assert "MELD 40" in result.reason  # 43 before the cap of 40 and "computed" in result.reason
    assert result.evidence[0].source == "computed"
    milder = profile_from_fhir(aclf_bundle(), today=TODAY)
    result = verdict("Patients with a MELD score \\> 30", milder, "exclusion")
    assert result.status == "not_met" and result.applies is False and "MELD 23" in result.reason


def test_pregnancy_exclusion_does_not_apply_to_a_man():
    man = profile_from_form({"sex": "male", "age": 40})
    result = verdict("Pregnant or lactating women", man, "exclusion")
    assert result.status == "not_applicable" and result.applies is None
    woman = profile_from_form({"sex": "female", "pregnant": False, "lactating": False})
    result = verdict("Pregnant or lactating women", woman, "exclusion")
    assert result.status == "not_met" and result.applies is False


def test_note_negation_settles_an_exclusion():
    p = profile_from_note("58-year-old woman with hepatitis B. She denies smoking, diabetes.")
    result = verdict("Patients with other severe heart diseases, lung diseases or diabetes", p, "exclusion")
    assert result.status == "unknown"  # heart and lung disease are not mentioned
    result = verdict("Diabetes", p, "exclusion")
    assert result.status == "not_met" and result.applies is False
    assert result.evidence[0].sentence == "She denies smoking, diabetes."


def test_qualified_condition_is_not_claimed():
    p = profile_from_form({"conditions": ["bleeding"]})
    result = verdict("Patients with severe active bleeding", p, "exclusion")
    assert result.status == "unknown" and "more specific" in result.reason
    p = profile_from_form({"absent_conditions": ["bleeding"]})
    assert verdict("Patients with severe active bleeding", p, "exclusion").status == "not_met"


def test_broader_concepts_match_narrower_facts():
    p = profile_from_form({"conditions": ["acute-on-chronic liver failure"]})
    assert verdict("Patients with liver failure", p).status == "met"
    assert verdict("Acute liver failure", p).status == "unknown"  # ACLF is not ALF


def test_duration_and_recent_use_windows():
    p = profile_from_form({"conditions": [{"name": "cirrhosis", "onset": "2015-01-01"}],
                           "medications": [{"name": "human serum albumin", "active": False, "end": "2025-06-01"}]})
    assert verdict("Liver cirrhosis with a course of more than 5 years", p).status == "met"
    assert verdict("Use of human serum albumin within 3 weeks prior to clinical registration", p,
                   "exclusion").status == "met"
    assert verdict("Use of human serum albumin within 1 day prior to registration", p, "exclusion").status == "not_met"


def test_consent_items_need_no_patient_data():
    result = verdict("Subjects voluntarily participate in this study and sign informed consent", Profile())
    assert result.status == "not_applicable"


def test_empty_profile_gets_questions_not_errors():
    parsed = parse_eligibility(SEED_002, "18 Years", "65 Years", "ALL")
    result = evaluate(parsed, Profile(), today=TODAY)
    assert result.verdict == "need_more_information"
    ids = [q.id for q in result.questions]
    assert {"age", "lab:bilirubin", "condition:circulatory_failure"} <= set(ids)
    assert all(c.status in {"unknown", "not_applicable"} for c in result.criteria)


def test_seed_002_with_the_fhir_profile():
    parsed = parse_eligibility(SEED_002, "18 Years", "65 Years", "ALL")
    result = evaluate(parsed, profile_from_fhir(aclf_bundle(), today=TODAY), today=TODAY)
    by_index = {c.index: c for c in result.criteria}
    assert by_index[0].status == "met"  # age 52
    assert by_index[2].status == "met"  # bilirubin 210 µmol/L
    assert by_index[3].status == "met"  # INR 1.9 is the alternative to PTA
    assert by_index[11].status == "not_met"  # MELD 23
    assert result.verdict == "need_more_information"
    assert "condition:circulatory_failure" in [q.id for q in result.questions]


def test_answering_the_questions_settles_the_verdict():
    parsed = parse_eligibility("Inclusion Criteria:\n* Age 18 to 65\n* Total bilirubin ≥ 171 µmol/L\n"
                               "Exclusion Criteria:\n* Patients with circulatory failure\n* Pregnancy")
    questions = {q.id: q for q in questions_for(parsed)}
    assert set(questions) == {"age", "lab:bilirubin", "condition:circulatory_failure", "sex", "pregnant"}
    assert questions["lab:bilirubin"].unit_options == ["µmol/L", "mg/dL"]
    answers = {"age": 52, "sex": "male", "lab:bilirubin": {"value": 12, "unit": "mg/dL"},
               "condition:circulatory_failure": "no"}
    result = evaluate(parsed, profile_from_form({"answers": answers}), today=TODAY)
    assert result.verdict == "likely_eligible", [c.reason for c in result.criteria]
    answers["condition:circulatory_failure"] = "yes"
    result = evaluate(parsed, profile_from_form({"answers": answers}), today=TODAY)
    assert result.verdict == "likely_not_eligible"
    assert result.blocking == [2]
    assert result.criteria[2].reason.startswith("This exclusion applies to you.")


def test_registry_sex_limit():
    parsed = parse_eligibility("", sex="FEMALE")
    result = evaluate(parsed, profile_from_form({"sex": "male"}), today=TODAY)
    assert result.verdict == "likely_not_eligible"


@pytest.mark.parametrize("age,status", [(30, "not_met"), (17, "met"), (61, "met")])
def test_age_exclusion_either_side(age, status):
    result = verdict("Be less than 20 years old or more than 60 years old", profile_from_form({"age": age}),
                     "exclusion")
    assert result.status == ("not_met" if status == "not_met" else "met")
    assert result.status == status


def test_active_condition_counts_as_within_any_recent_window():
    p = profile_from_form({"conditions": [{"name": "breast cancer", "onset": "2012-01-01"}]})
    assert verdict("History of malignancy within 5 years", p, "exclusion").status == "met"
    resolved = profile_from_form({"conditions": [{"name": "breast cancer", "onset": "2012-01-01",
                                                  "status": "resolved"}]})
    assert verdict("History of malignancy within 5 years", resolved, "exclusion").status == "unknown"


def test_exceptions_can_only_turn_a_verdict_into_unknown():
    text = "History of malignancy within 5 years, except adequately treated basal cell carcinoma of the skin"
    breast = profile_from_form({"conditions": ["breast cancer"]})
    assert verdict(text, breast, "exclusion").status == "met"
    skin = profile_from_form({"conditions": ["basal cell carcinoma"]})
    assert verdict(text, skin, "exclusion").status == "unknown"
    labs = "ALT ≤ 2.5 x ULN (≤ 5 x ULN if liver metastases)"
    high = profile_from_form({"labs": [{"name": "ALT", "value": 160, "unit": "U/L"}]})
    high.labs[0].reference_high = 40
    assert verdict(labs, high).status == "unknown"  # 4 x ULN: fine if there are liver metastases


def test_one_of_the_following_group():
    parsed = parse_eligibility("Inclusion Criteria:\n* Diagnosis of asthma with one of the following:\n"
                               "  * Age 18 to 65\n  * BMI below 30 kg/m2\n")
    young = evaluate(parsed, profile_from_form({"age": 30, "conditions": ["asthma"]}), today=TODAY)
    assert young.criteria[0].status == "met" and young.verdict == "likely_eligible"
    no_asthma = evaluate(parsed, profile_from_form({"age": 30, "absent_conditions": ["asthma"]}), today=TODAY)
    assert no_asthma.criteria[0].status == "not_met" and no_asthma.verdict == "likely_not_eligible"
    old = evaluate(parsed, profile_from_form({"age": 80, "conditions": ["asthma"]}), today=TODAY)
    assert old.criteria[0].status == "unknown" and "score:bmi" not in [q.id for q in old.questions]
