"""Profiles from a form, a FHIR bundle and a clinical note; bad input."""

import time
from datetime import date

import pytest
from elig_fixtures import aclf_bundle

from trialscout.eligibility import ProfileError, profile_from_fhir, profile_from_form, profile_from_note

TODAY = date(2025, 6, 15)


def concepts(facts, present=True):
    return {f.concept for f in facts if f.present is present}


def test_fhir_bundle_of_a_man_with_aclf_on_hepatitis_b():
    p = profile_from_fhir(aclf_bundle(), today=TODAY)
    assert p.sex == "male"
    assert int(p.age_on(TODAY)) == 52
    assert {"aclf", "hepatitis_b"} <= concepts(p.conditions)
    bili = p.latest_labs("bilirubin")[0]
    assert (bili.value, bili.unit, bili.date) == (210, "umol/L", date(2025, 6, 1))
    assert p.latest_labs("inr")[0].value == 1.9
    assert p.medications[0].concept == "antiviral"  # entecavir
    assert p.conditions[0].evidence is not None and p.flags == []


def test_fhir_bundle_with_ten_thousand_observations_is_read_quickly():
    start = time.perf_counter()
    p = profile_from_fhir(aclf_bundle(extra_observations=10_000), today=TODAY)
    assert len(p.latest_labs("hemoglobin")) == 10_000
    assert time.perf_counter() - start < 60  # a guard against a hang, not a speed claim


def test_fhir_invalid_input():
    with pytest.raises(ProfileError, match="Bundle"):
        profile_from_fhir({"resourceType": "Patient"})
    with pytest.raises(ProfileError):
        profile_from_fhir([])  # type: ignore[arg-type]
    bundle = aclf_bundle()
    bundle["entry"].append({"resource": {"resourceType": "Observation", "status": "final", "code": 5}})
    p = profile_from_fhir(bundle, today=TODAY)
    assert [f.code for f in p.flags] == ["unreadable"]


def test_note_with_denied_conditions():
    note = ("58-year-old woman presents with fatigue. She denies smoking, diabetes. History of hypertension, "
            "on lisinopril. Bilirubin 210 µmol/L, INR 1.9.")
    p = profile_from_note(note)
    assert p.age == 58 and p.sex == "female"
    assert {"diabetes", "smoking"} <= concepts(p.conditions, present=False)
    assert "hypertension" in concepts(p.conditions)
    diabetes = next(f for f in p.conditions if f.concept == "diabetes")
    assert diabetes.evidence.sentence == "She denies smoking, diabetes."
    assert p.latest_labs("bilirubin")[0].value == 210
    assert p.latest_labs("inr")[0].value == 1.9
    assert p.medications[0].concept == "antihypertensive"


def test_note_family_history_and_age_forms():
    p = profile_from_note("A 52-year-old man with hepatitis B. His mother had breast cancer.")
    assert p.age == 52 and p.sex == "male"
    assert "breast_cancer" not in concepts(p.conditions)
    assert "breast_cancer" in concepts(p.family_history)
    assert profile_from_note("An 8-month-old girl with fever.").age == pytest.approx(8 / 12)


def test_note_in_another_language_is_flagged_not_crashed():
    p = profile_from_note("Paciente de cincuenta y dos años con insuficiencia hepática aguda sobre crónica, "
                          "bilirrubina elevada y antecedentes de hepatitis B crónica.")
    assert "language" in [f.code for f in p.flags]


def test_empty_note_raises():
    with pytest.raises(ProfileError, match="empty"):
        profile_from_note("   ")


def test_form_profile_and_answers():
    p = profile_from_form({
        "age": 52, "sex": "M", "conditions": ["hepatitis B", {"name": "cirrhosis", "onset": "2015-01-01"}],
        "absent_conditions": ["diabetes"],
        "labs": [{"name": "Total bilirubin", "value": 12, "unit": "mg/dL", "date": "2025-06-01"}],
        "height": {"value": 70, "unit": "in"}, "weight": 80,
        "answers": {"condition:circulatory_failure": "no", "lab:inr": {"value": 1.9}},
    })
    assert p.sex == "male" and {"hepatitis_b", "cirrhosis"} <= concepts(p.conditions)
    assert {"diabetes", "circulatory_failure"} <= concepts(p.conditions, present=False)
    assert p.height_cm == pytest.approx(177.8)
    assert p.latest_labs("inr")[0].value == 1.9


def test_empty_form_is_an_empty_profile():
    assert profile_from_form({}).is_empty()


@pytest.mark.parametrize("data,match", [
    ({"age": "fifty"}, "not a number"),
    ({"sex": "robot"}, "female"),
    ({"labs": [{"name": "unobtainium", "value": 1}]}, "not known"),
    ({"labs": [{"name": "bilirubin", "value": "high"}]}, "not a number"),
    ({"birth_date": "31/12/1970"}, "YYYY-MM-DD"),
    ([], "JSON object"),
])
def test_form_errors_say_what_to_do(data, match):
    with pytest.raises(ProfileError, match=match):
        profile_from_form(data)  # type: ignore[arg-type]


def test_contradictions_are_flagged():
    p = profile_from_form({"sex": "male", "pregnant": True, "conditions": ["diabetes"],
                           "absent_conditions": ["diabetes"], "age": 30, "birth_date": "1950-01-01"},
                          today=TODAY)
    messages = " ".join(f.message for f in p.flags if f.code == "contradiction")
    assert "diabetes" in messages and "pregnan" in messages and "birth date" in messages


def test_unknown_unit_is_flagged():
    p = profile_from_form({"labs": [{"name": "bilirubin", "value": 3, "unit": "grains/gallon"}]})
    assert [f.code for f in p.flags] == ["unknown_unit"]


def test_fhir_coded_pregnancy_and_smoking_status():
    bundle = aclf_bundle()
    bundle["entry"][0]["resource"]["gender"] = "female"
    for loinc, snomed in (("82810-3", "77386006"), ("72166-2", "266919005")):
        bundle["entry"].append({"resource": {
            "resourceType": "Observation", "status": "final",
            "code": {"coding": [{"system": "http://loinc.org", "code": loinc}]},
            "valueCodeableConcept": {"coding": [{"system": "http://snomed.info/sct", "code": snomed}]}}})
    p = profile_from_fhir(bundle, today=TODAY)
    assert p.pregnant is True
    assert "smoking" in concepts(p.conditions, present=False)
