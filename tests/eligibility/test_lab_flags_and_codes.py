"""Labs known only as high / normal / low, "elevated X" criteria, exact ICD-10 codes, and what an open
exclusion does to the trial verdict."""

from datetime import date

import pytest

from trialscout.eligibility import (
    Criterion, ParsedEligibility, ProfileError, evaluate, parse_criterion, profile_from_fhir, profile_from_form,
    profile_from_note,
)

TODAY = date(2025, 6, 15)


def one(*items: tuple[str, str]) -> ParsedEligibility:
    return ParsedEligibility(criteria=[parse_criterion(Criterion(kind=kind, text=text, index=i))
                                       for i, (text, kind) in enumerate(items)])


def status(text: str, profile, kind: str = "inclusion") -> str:
    return evaluate(one((text, kind)), profile, today=TODAY).criteria[0].status


@pytest.mark.parametrize("lab, expected", [
    ({"name": "CRP", "interpretation": "high"}, "met"),
    ({"name": "CRP", "interpretation": "H"}, "met"),
    ({"name": "CRP", "interpretation": "normal"}, "not_met"),
    ({"name": "CRP", "value": 25, "unit": "mg/L", "reference_high": 5}, "met"),
    ({"name": "CRP", "value": 3, "unit": "mg/L", "reference_high": 5}, "not_met"),
    ({"name": "CRP", "value": 25, "unit": "mg/L"}, "unknown"),  # no normal range, no flag: not guessed
])
def test_elevated_means_above_the_report_normal_range(lab, expected):
    assert status("Raised C-reactive protein", profile_from_form({"labs": [lab]})) == expected


def test_a_flag_settles_a_multiple_of_normal_only_when_it_can():
    normal = profile_from_form({"labs": [{"name": "ALT", "interpretation": "normal"}]})
    high = profile_from_form({"labs": [{"name": "ALT", "interpretation": "high"}]})
    assert status("ALT ≤ 2.5 x ULN", normal) == "met"
    assert status("ALT ≤ 2.5 x ULN", high) == "unknown"  # 1.5 or 4 x normal: the value is needed
    assert status("ALT > 3 x ULN", normal, "exclusion") == "not_met"
    assert status("Total bilirubin ≥ 171 µmol/L", profile_from_form(
        {"labs": [{"name": "bilirubin", "interpretation": "high"}]})) == "unknown"  # a flag is not a value


def test_a_bad_flag_is_named():
    with pytest.raises(ProfileError, match="Lab 1 interpretation"):
        profile_from_form({"labs": [{"name": "CRP", "interpretation": "sky-high"}]})


def test_a_note_reports_flags_and_negated_flags():
    p = profile_from_note("48-year-old man. IL-6 elevated; CRP was not elevated. Raised ferritin.")
    flags = {lab.analyte: lab.interpretation for lab in p.labs}
    assert flags == {"il6": "high", "crp": "normal", "ferritin": "high"}
    assert p.labs[0].evidence.sentence == "IL-6 elevated; CRP was not elevated."
    assert status("Elevated CRP", p) == "not_met"


def test_note_reads_a_grade_written_before_the_score_and_a_bare_temperature():
    p = profile_from_note("A 45-year-old woman with grade II hepatic encephalopathy. Temperature 103.4, pulse 105.")
    assert p.scores["hepatic_encephalopathy_grade"] == 2
    assert status("temperature is higher than 38℃ Celsius degree", p) == "met"  # 103.4 °F is 39.7 °C


def test_icd10_codes_map_exactly_where_the_data_is_exact():
    def concept(code: str) -> str | None:
        bundle = {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": {
            "resourceType": "Condition", "subject": {"reference": "Patient/p"},
            "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": code}]}}}]}
        return profile_from_fhir(bundle, today=TODAY).conditions[0].concept

    assert concept("K72.90") == "liver_failure"  # hepatic failure, unspecified, without coma
    assert concept("K72.91") == "hepatic_encephalopathy"  # ... with coma
    assert concept("K76.82") == "hepatic_encephalopathy"
    assert concept("K72.9") == "liver_failure"
    assert concept("K72.0") == "acute_liver_failure"
    no_coma = profile_from_fhir({"resourceType": "Bundle", "type": "collection", "entry": [{"resource": {
        "resourceType": "Condition", "subject": {"reference": "Patient/p"},
        "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "K72.90"}]}}}]}, today=TODAY)
    assert status("Hepatic encephalopathy", no_coma, "exclusion") == "unknown"  # not claimed from K72.90


def test_open_exclusions_without_evidence_do_not_hold_back_a_likely_eligible():
    parsed = one(("Age 18 to 65 years", "inclusion"), ("Patients with circulatory failure", "exclusion"),
                 ("Patients with severe active bleeding", "exclusion"))
    result = evaluate(parsed, profile_from_form({"age": 40}), today=TODAY)
    assert result.verdict == "likely_eligible" and result.to_confirm == [1, 2]
    assert {q.id for q in result.questions} == {"condition:circulatory_failure", "condition:bleeding"}
    bleeding = evaluate(parsed, profile_from_form({"age": 40, "conditions": ["bleeding"]}), today=TODAY)
    assert bleeding.verdict == "need_more_information"  # some evidence points to that exclusion
    assert bleeding.criteria[2].open == "evidence" and bleeding.to_confirm == [1]


def test_habits_of_adults_do_not_concern_young_children():
    child = profile_from_form({"age": 5})
    assert status("Cigarette smoking", child, "exclusion") == "not_applicable"
    assert status("Cigarette smoking", profile_from_form({"age": 40}), "exclusion") == "unknown"
    smoking_child = profile_from_form({"age": 9, "conditions": ["smoking"]})
    assert status("Cigarette smoking", smoking_child, "exclusion") == "met"  # what the record says still counts


def test_a_fhir_observation_flagged_high_meets_an_elevated_criterion():
    def bundle(**observation) -> dict:
        return {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": {
            "resourceType": "Observation", "status": "final",
            "code": {"coding": [{"system": "http://loinc.org", "code": "26881-3", "display": "Interleukin 6"}]},
            **observation}}]}

    flagged = bundle(interpretation=[{"coding": [{
        "system": "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation", "code": "H"}]}],
        valueQuantity={"value": 38, "unit": "pg/mL", "system": "http://unitsofmeasure.org", "code": "pg/mL"})
    assert status("Elevated IL-6", profile_from_fhir(flagged, today=TODAY)) == "met"
    ranged = bundle(valueQuantity={"value": 3, "unit": "pg/mL", "system": "http://unitsofmeasure.org",
                                   "code": "pg/mL"}, referenceRange=[{"high": {"value": 7, "unit": "pg/mL"}}])
    assert status("Elevated IL-6", profile_from_fhir(ranged, today=TODAY)) == "not_met"
