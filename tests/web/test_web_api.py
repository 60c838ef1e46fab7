"""The JSON twin of each page, and the OpenAPI schema."""

from __future__ import annotations


def test_trial_json_matches_the_page_fields(client):
    data = client.get("/api/v1/trials/NCT06882811").json()
    assert data["nct_id"] == "NCT06882811"
    assert data["design"]["masking"] == "DOUBLE"
    assert data["eligibility"]["maximum_age"] == {"value": 65.0, "unit": "years"}
    assert {i["name"] for i in data["interventions"]} >= {"CD83-positive MSC", "regulatory MSC"}
    assert data["first_seen"] and data["last_changed"] and data["version"] == 1
    assert "raw" not in data


def test_history_json_lists_the_first_version(client):
    history = client.get("/api/v1/trials/NCT06740149/history").json()
    assert [v["version"] for v in history] == [1]


def test_unknown_trial_is_a_json_404(client):
    response = client.get("/api/v1/trials/NCT00000000")
    assert response.status_code == 404
    assert "NCT00000000" in response.json()["detail"]


def test_openapi_schema_documents_the_trial_endpoints(client):
    schema = client.get("/api/openapi.json").json()
    assert "/api/v1/trials/{nct_id}" in schema["paths"]
    assert "/api/v1/trials/{nct_id}/history" in schema["paths"]
    assert client.get("/api/docs").status_code == 200
