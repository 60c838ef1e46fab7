"""Parsing criteria into typed constraints."""

import pytest
from elig_fixtures import SEED_002, SEED_003

from trialscout.eligibility import (
    AgeConstraint, ComplianceItem, ConditionConstraint, ConsentItem, CriteriaError, Criterion, LabConstraint,
    MedicationConstraint, NeedsReview, ParsedEligibility, PregnancyConstraint, ScoreConstraint, SexConstraint,
    parse_criterion, parse_eligibility,
)


def parse(text: str, kind: str = "inclusion"):
    return parse_criterion(Criterion(kind=kind, text=text, index=0))


def only(pc, cls):
    found = [c for c in pc.constraints if isinstance(c, cls)]
    assert found, f"no {cls.__name__} in {pc.constraints}"
    return found


def test_bilirubin_threshold_with_daily_increase_alternative():
    pc = parse("Total bilirubin (TBil) ≥ 171μmol/L or an increase of ≥ 17.1μmol/L per day")
    (lab,) = only(pc, LabConstraint)
    assert (lab.analyte, lab.comparator, lab.value, lab.unit) == ("bilirubin", ">=", 171, "umol/L")
    (alt,) = lab.alternatives
    assert (alt.analyte, alt.change, alt.value, alt.per) == ("bilirubin", "increase", 17.1, "day")
    assert pc.coverage == "full"


def test_range_with_alternative_analyte():
    pc = parse("Prothrombin activity (PTA) between 20% and 40% (or INR between 1.5 and 2.6)")
    (lab,) = only(pc, LabConstraint)
    assert (lab.analyte, lab.comparator, lab.value, lab.upper, lab.unit) == ("prothrombin_activity", "between", 20, 40, "%")
    assert (lab.alternatives[0].analyte, lab.alternatives[0].value, lab.alternatives[0].upper) == ("inr", 1.5, 2.6)


def test_platelets_in_scientific_notation():
    pc = parse("Platelet count < 50 x 10^9/L", "exclusion")
    (lab,) = only(pc, LabConstraint)
    assert (lab.analyte, lab.comparator, lab.value, lab.unit) == ("platelets", "<", 50, "10^9/L")


def test_meld_score_with_escaped_comparator():
    pc = parse("Patients with a MELD score \\> 30", "exclusion")
    (score,) = only(pc, ScoreConstraint)
    assert (score.score, score.comparator, score.value) == ("meld", ">", 30)
    assert not [c for c in pc.constraints if isinstance(c, ConditionConstraint)]


def test_encephalopathy_grade_including_grade_two():
    pc = parse("No hepatic encephalopathy or encephalopathy below grade II (including grade II)")
    (score,) = only(pc, ScoreConstraint)
    assert (score.score, score.comparator, score.value) == ("hepatic_encephalopathy_grade", "<=", 2)
    (cond,) = only(pc, ConditionConstraint)
    assert cond.concept == "hepatic_encephalopathy" and cond.present is False
    assert pc.logic == "any"


@pytest.mark.parametrize("text,score,comparator,value,upper", [
    ("ECOG performance status 0-1", "ecog", "between", 0, 1),
    ("NYHA class III or IV heart failure", "nyha", "between", 3, 4),
    ("Child-Pugh class A or B", "child_pugh", "between", 5, 9),
    ("Karnofsky ≥ 70%", "karnofsky", ">=", 70, None),
    ("BMI 19-29.9 kg/m2", "bmi", "between", 19, 29.9),
    ("eGFR ≥ 60 mL/min/1.73 m2", "egfr", ">=", 60, None),
])
def test_scores(text, score, comparator, value, upper):
    (s,) = only(parse(text), ScoreConstraint)
    assert (s.score, s.comparator, s.value, s.upper) == (score, comparator, value, upper)


@pytest.mark.parametrize("text,comparator,value,upper", [
    ("Age range from 18 to 65 years old;", "between", 18, 65),
    ("Aged between 20 and 60 (male or female)", "between", 20, 60),
    ("18 years of age or older", ">=", 18, None),
    ("Patients over 18 years.", ">", 18, None),
    ("Age: 0-65 years old, diagnosed with sepsis", "between", 0, 65),
])
def test_age(text, comparator, value, upper):
    (age,) = only(parse(text), AgeConstraint)
    assert (age.comparator, age.value, age.upper) == (comparator, value, upper)


def test_age_outside_range_exclusion_is_either_limit():
    pc = parse("Be less than 20 years old or more than 60 years old", "exclusion")
    ages = only(pc, AgeConstraint)
    assert [(a.comparator, a.value) for a in ages] == [("<", 20), (">", 60)]
    assert pc.logic == "any"


def test_duration_is_not_mistaken_for_age():
    pc = parse("Type 1 diabetes for at least 1 year")
    assert not [c for c in pc.constraints if isinstance(c, AgeConstraint)]
    (cond,) = only(pc, ConditionConstraint)
    assert cond.window is not None and cond.window.kind == "duration_at_least" and cond.window.amount == 1


def test_time_window_attached_to_medication():
    pc = parse("Use of human serum albumin within 3 weeks prior to clinical registration", "exclusion")
    (med,) = only(pc, MedicationConstraint)
    assert med.concept == "albumin_infusion"
    assert (med.window.kind, med.window.amount, med.window.unit) == ("within", 3, "week")
    assert "registration" in (med.window.anchor or "")


def test_course_duration_attached_to_condition():
    pc = parse("Diagnosed chronic decompensated hepatitis B cirrhosis with a course of more than 5 years")
    cirrhosis = next(c for c in only(pc, ConditionConstraint) if c.concept == "cirrhosis")
    assert (cirrhosis.window.kind, cirrhosis.window.amount, cirrhosis.window.unit) == ("duration_at_least", 5, "year")
    hep_b = next(c for c in only(pc, ConditionConstraint) if c.concept == "hepatitis_b")
    assert hep_b.exact is False  # "chronic decompensated" narrows it


def test_condition_context_negated_historical_family():
    assert only(parse("No serious bleeding tendency or active bleeding"), ConditionConstraint)[0].present is False
    assert only(parse("History of tumors in other organs", "exclusion"), ConditionConstraint)[0].context == "historical"
    family = parse("Found liver malignant tumor or the family history of liver malignant tumor", "exclusion")
    assert {c.context for c in only(family, ConditionConstraint)} == {"current", "family"}


def test_qualified_condition_is_inexact():
    pc = parse("Patients with severe active bleeding or diffuse intravascular coagulation", "exclusion")
    bleeding, dic = only(pc, ConditionConstraint)
    assert bleeding.exact is False and dic.exact is True and dic.concept == "dic"
    assert pc.logic == "any"


def test_unknown_condition_words_are_kept_as_a_term():
    (cond,) = only(parse("Patients with circulatory collapse", "exclusion"), ConditionConstraint)
    assert cond.concept is None and cond.term == "circulatory collapse"


def test_allergy_to_drugs_is_not_medication_use():
    pc = parse("Patients with allergy to blood products or drugs such as plasma, heparin, and protamine", "exclusion")
    assert not [c for c in pc.constraints if isinstance(c, MedicationConstraint)]
    assert only(pc, ConditionConstraint)[0].concept == "allergy"


def test_pregnancy_and_sex():
    (preg,) = only(parse("Pregnant or lactating women", "exclusion"), PregnancyConstraint)
    assert preg.states == ["pregnant", "lactating"] and preg.present
    assert not [c for c in parse("Pregnant or lactating women").constraints if isinstance(c, SexConstraint)]
    (sex,) = only(parse("Postmenopausal women"), SexConstraint)
    assert sex.sex == "female"
    (negative,) = only(parse("Women of childbearing potential must have a negative pregnancy test"), PregnancyConstraint)
    assert negative.present is False and "pregnant" in negative.states


def test_consent_and_compliance_items_need_no_patient_data():
    (consent,) = parse("Subjects voluntarily participate in this study and sign informed consent").constraints
    assert isinstance(consent, ConsentItem) and consent.positive
    (item,) = parse("Poor adherence to the study protocol", "exclusion").constraints
    assert isinstance(item, ComplianceItem) and item.positive is False
    (judge,) = parse("The researcher considers it inappropriate to participate in this study", "exclusion").constraints
    assert isinstance(judge, ComplianceItem) and judge.topic == "judgement"


def test_not_understood_is_kept_for_review_never_dropped():
    text = "Zorblax-4417 status confirmed by the sponsor"
    pc = parse(text)
    assert pc.coverage == "none" and isinstance(pc.constraints[0], NeedsReview)
    assert pc.constraints[0].text == text


def test_raised_markers_named_as_examples_are_labs_above_the_normal_range():
    pc = parse("Elevated inflammatory markers (IL-6 / TNF-α / CRP, etc.)")
    assert pc.coverage == "full"
    (lab,) = pc.constraints
    assert isinstance(lab, LabConstraint) and lab.unit == "x ULN" and lab.comparator == ">" and lab.value == 1
    assert [lab.analyte, *(a.analyte for a in lab.alternatives)] == ["il6", "tnf_alpha", "crp"]
    assert lab.open_list  # "etc.": another marker may count
    (crp,) = parse("Raised CRP").constraints
    assert crp.analyte == "crp" and not crp.open_list
    (bilirubin,) = parse("Elevation of bilirubin > 1.5 x ULN").constraints
    assert bilirubin.value == 1.5  # a threshold, not a flag


def test_partial_coverage_records_the_unread_words():
    pc = parse("Patients with acute liver failure in the early and intermediate stages caused by various reasons")
    assert pc.coverage == "partial" and "stages" in pc.uncovered
    assert only(pc, ConditionConstraint)[0].concept == "acute_liver_failure"


def test_whole_seed_document_parses_and_round_trips_as_json():
    parsed = parse_eligibility(SEED_002, minimum_age="18 Years", maximum_age="65 Years", sex="ALL")
    assert len(parsed.criteria) == 14
    assert [c.criterion.source for c in parsed.registry] == ["registry"]
    assert parsed.registry[0].constraints[0].value == 18
    again = ParsedEligibility.from_json(parsed.to_json())
    assert again == parsed
    assert sum(pc.needs_review for pc in parsed.criteria) <= 2
    assert len(parse_eligibility(SEED_003).criteria) == 19


def test_registry_fields_and_bad_values():
    parsed = parse_eligibility(None, minimum_age="6 Months", sex="FEMALE")
    age, sex = (pc.constraints[0] for pc in parsed.registry)
    assert age.comparator == ">=" and age.value == pytest.approx(0.5)
    assert sex.sex == "female"
    with pytest.raises(CriteriaError):
        parse_eligibility("x", minimum_age="eighteen")
    with pytest.raises(CriteriaError):
        ParsedEligibility.from_json("{not json")
