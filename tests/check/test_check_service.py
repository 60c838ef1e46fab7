"""The service's own decisions: which profile a file holds, and reading the check form's fields."""

from __future__ import annotations

from datetime import date

import pytest

from trialscout.eligibility import ProfileError, Question
from trialscout.eligibility.service import CheckForm, FormProblems, detect_profile, form_profile_data

TODAY = date(2026, 1, 1)
BILIRUBIN = Question(id="lab:bilirubin", text="What is your most recent total bilirubin?", kind="lab",
                     unit_options=["µmol/L", "mg/dL"])
INR = Question(id="lab:inr", text="What is your most recent INR?", kind="lab", unit_options=["(no unit)"])
DIABETES = Question(id="condition:diabetes", text="Do you have diabetes?", kind="yes_no")
GRADE = Question(id="score:ecog", text="What is your ECOG?", kind="choice", choices=["0", "1", "2"])
FORM = CheckForm(labs=[BILIRUBIN, INR], health=[DIABETES], measures=[GRADE])


def test_a_profile_file_is_a_bundle_form_json_or_a_note():
    assert detect_profile(b'{"resourceType": "Bundle", "entry": []}').kind == "fhir"
    assert detect_profile('\ufeff{"age": 52}'.encode()).kind == "form"
    assert detect_profile("52-year-old man with hepatitis B.").kind == "note"
    assert detect_profile("{not json, just braces} in a note").kind == "note"
    with pytest.raises(ProfileError, match="not an object"):
        detect_profile("[1, 2]")
    with pytest.raises(ProfileError, match="empty"):
        detect_profile(b"   ")
    with pytest.raises(ProfileError, match="UTF-8"):
        detect_profile(b"\xff\xfe\x00bad")


def test_form_fields_become_profile_data():
    data = form_profile_data({"age": "52", "sex": "male", "birth_date": "", "a:lab:bilirubin": "12,3",
                              "u:lab:bilirubin": "mg/dL", "a:lab:inr": "1.9", "u:lab:inr": "(no unit)",
                              "a:condition:diabetes": "no", "a:score:ecog": "1"}, FORM, TODAY)
    assert data == {"age": 52.0, "sex": "male", "answers": {
        "lab:bilirubin": {"value": 12.3, "unit": "mg/dL"}, "lab:inr": {"value": 1.9, "unit": "1"},
        "condition:diabetes": "no", "score:ecog": "1"}}
    assert form_profile_data({"a:condition:diabetes": "", "sex": ""}, FORM, TODAY) == {}


def test_each_bad_field_is_named_without_quoting_it():
    with pytest.raises(FormProblems) as caught:
        form_profile_data({"age": "-5", "birth_date": "2030-01-01", "sex": "robot", "a:lab:bilirubin": "abc",
                           "a:lab:inr": "nan", "a:condition:diabetes": "perhaps", "a:score:ecog": "7"}, FORM, TODAY)
    problems = caught.value.problems
    assert set(problems) == {"age", "birth_date", "sex", "a:lab:bilirubin", "a:lab:inr", "a:condition:diabetes",
                             "a:score:ecog"}
    assert "robot" not in str(caught.value) and "abc" not in str(caught.value) and "perhaps" not in str(caught.value)
    with pytest.raises(FormProblems) as caught:
        form_profile_data({"a:lab:bilirubin": "12", "u:lab:bilirubin": "furlongs"}, FORM, TODAY)
    assert set(caught.value.problems) == {"u:lab:bilirubin"}
