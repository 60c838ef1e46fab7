"""POST /api/v1/trials/{nct_id}/check: a form profile, a FHIR bundle or a note in; verdicts out."""

from __future__ import annotations

import json

from check_profiles import ACLF_NOTE, aclf_bundle, criterion, huge_bundle


def check(client, nct_id: str, body) -> tuple[int, dict]:
    response = client.post(f"/api/v1/trials/{nct_id}/check", json=body)
    return response.status_code, response.json()


def test_a_fhir_bundle_of_a_man_with_aclf_against_the_liver_failure_trials(client):
    status, report = check(client, "TSLOCAL-0002", {"fhir": aclf_bundle()})
    assert status == 200, report
    assert report["nct_id"] == "TSLOCAL-0002" and report["profile_source"] == "fhir"
    assert report["verdict"] == "need_more_information"  # nothing rules him out; some questions remain
    assert report["blocking"] == []
    age = criterion(report, "Age range from 18 to 65")
    assert age["status"] == "met" and "You are 52" in age["reason"]
    bilirubin = criterion(report, "Total bilirubin (TBil)")
    assert bilirubin["status"] == "met" and "210 µmol/L" in bilirubin["reason"]
    assert bilirubin["evidence"][0]["source"] == "fhir" and "210" in bilirubin["evidence"][0]["text"]
    assert criterion(report, "Prothrombin activity (PTA)")["status"] == "met"  # by its INR alternative
    meld = criterion(report, "MELD score")
    assert meld["kind"] == "exclusion" and meld["status"] == "unknown" and "lab:creatinine" in meld["questions"]
    assert "lab:creatinine" in {q["id"] for q in report["questions"]}
    markers = criterion(report, "Elevated inflammatory markers")  # IL-6 / TNF-α / CRP above the normal range
    assert markers["status"] == "unknown" and not markers["needs_review"] and "lab_flag:il6" in markers["questions"]

    status, report = check(client, "NCT06740149", {"fhir": aclf_bundle()})
    assert status == 200
    assert report["verdict"] == "need_more_information" and report["has_criteria"] is False
    assert "no eligibility criteria" in report["summary"] and report["criteria"] == []


def test_answers_on_top_of_a_record_settle_the_meld_question(client):
    status, report = check(client, "TSLOCAL-0002", {
        "fhir": aclf_bundle(), "answers": {"lab:creatinine": {"value": 80, "unit": "µmol/L"}}})
    assert status == 200
    meld = criterion(report, "MELD score")
    assert meld["status"] == "not_met" and meld["applies"] is False and "MELD 23" in meld["reason"]


def test_form_profile_and_note_profile(client):
    status, report = check(client, "NCT06882811", {"profile": {"age": 70, "sex": "female"}})
    assert status == 200 and report["verdict"] == "likely_not_eligible"
    registry = criterion(report, "Age 65 years or younger")
    assert registry["source"] == "registry" and registry["status"] == "not_met" and registry["index"] in report["blocking"]
    assert "You are 70" in registry["reason"]

    status, report = check(client, "TSLOCAL-0002", {"note": ACLF_NOTE})
    assert status == 200 and report["profile_source"] == "note"
    bilirubin = criterion(report, "Total bilirubin (TBil)")
    assert bilirubin["status"] == "met" and bilirubin["evidence"][0]["sentence"] == "Total bilirubin 210 umol/L, INR 1.9."
    assert criterion(report, "No hepatic encephalopathy")["status"] == "met"

    status, report = check(client, "TSLOCAL-0002", {"profile": {"answers": {
        "lab:bilirubin": {"value": 210, "unit": "µmol/L"}, "lab:inr": {"value": 1.9, "unit": "(no unit)"},
        "lab_flag:crp": "high"}}})
    assert status == 200
    assert criterion(report, "Prothrombin activity (PTA)")["status"] == "met"
    assert criterion(report, "Elevated inflammatory markers")["status"] == "met"  # the report's flag, as an answer


def test_bad_input_is_a_clear_422_or_413_never_a_500(client):
    cases = [
        ({}, "exactly one of"),
        ({"profile": {"age": 52}, "note": "x"}, "exactly one of"),
        ({"fhir": {"resourceType": "Patient"}}, "Expected a FHIR Bundle"),
        ({"fhir": {"resourceType": "Bundle", "entry": "x"}}, "Bundle.entry must be a list"),
        ({"profile": {"age": -5}}, "outside 0-125"),
        ({"profile": {"labs": [{"name": "bilirubin", "value": "abc", "unit": "mg/dL"}]}}, "not a number"),
        ({"profile": {}}, "Nothing was filled in"),
        ({"profile": {"answers": {"lab:bilirubin": {"value": "abc"}}}}, "not a number"),
        ({"note": "   "}, "empty"),
        ({"note": "患者男性，52岁，乙型肝炎相关慢加急性肝衰竭。"}, "only notes in English can be read"),
        ({"note": "El paciente es un hombre de 52 años con insuficiencia hepática aguda por hepatitis B."}, "does not look like English"),
        ({"note": "x" * 200_001}, "at most 200000 characters"),
        ({"profile": [1, 2]}, "valid dictionary"),
    ]
    for body, message in cases:
        status, data = check(client, "TSLOCAL-0002", body)
        assert status == 422, (body, data)
        assert message in json.dumps(data, ensure_ascii=False), (message, data)
    response = client.post("/api/v1/trials/TSLOCAL-0002/check", content=b"{not json",
                           headers={"content-type": "application/json"})
    assert response.status_code == 422
    response = client.post("/api/v1/trials/TSLOCAL-0002/check", content=b'{"note": "' + b"a" * (11 * 1024 * 1024) + b'"}',
                           headers={"content-type": "application/json"})
    assert response.status_code == 413 and "larger than 10 MB" in response.json()["detail"]
    status, data = check(client, "NCT00000000", {"profile": {"age": 52}})
    assert status == 404


def test_a_10000_observation_bundle_is_read(client):
    status, report = check(client, "TSLOCAL-0002", {"fhir": huge_bundle(10_000)})
    assert status == 200, report
    bilirubin = criterion(report, "Total bilirubin (TBil)")
    assert bilirubin["status"] in {"met", "not_met"} and len(bilirubin["evidence"]) <= 3


def test_the_openapi_schema_documents_request_and_response(client):
    schema = client.get("/api/openapi.json").json()
    operation = schema["paths"]["/api/v1/trials/{nct_id}/check"]["post"]
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    assert body["$ref"].endswith("/CheckRequest")
    request = schema["components"]["schemas"]["CheckRequest"]
    assert {"profile", "fhir", "note", "answers"} <= set(request["properties"])
    answer = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert answer["$ref"].endswith("/CheckReport")
    report = schema["components"]["schemas"]["CheckReport"]
    assert {"verdict", "summary", "criteria", "questions", "flags"} <= set(report["properties"])
    assert {"404", "413", "422"} <= set(operation["responses"])


def test_the_api_needs_no_csrf_cookie(client):
    from fastapi.testclient import TestClient

    fresh = TestClient(client.app)  # no cookie at all, as an API client calls it
    response = fresh.post("/api/v1/trials/NCT06882811/check", json={"profile": {"age": 30}})
    assert response.status_code == 200
