"""GET /api/v1/trials: the search as JSON, documented in the OpenAPI schema."""

from __future__ import annotations


def test_search_by_words_and_place(api):
    body = api.get("/api/v1/trials", params={"q": "liver failure stem cells", "near": "Guangzhou",
                                             "within": "50km"}).json()
    trial = next(t for t in body["trials"] if t["nct_id"] == "NCT06740149")
    assert trial["site"]["city"] == "Guangzhou"
    assert trial["site"]["distance_unit"] == "km" and trial["site"]["distance"] < 5
    assert trial["site"]["distance_approximate"] is True
    assert body["place"]["label"] == "Guangzhou, Guangdong, China"
    assert body["within"] == {"value": 50.0, "unit": "km", "km": 50.0}
    assert {f["value"] for f in body["facets"]["country"]} == {"China"}


def test_filters_and_paging(api):
    body = api.get("/api/v1/trials", params=[("q", "leukemia"), ("age", "8"), ("status", "recruiting"),
                                             ("phase", "1"), ("phase", "2"), ("per_page", "5"), ("page", "2")]).json()
    assert body["page"] == 2 and body["per_page"] == 5 and len(body["trials"]) <= 5
    assert all(t["status"] == "RECRUITING" for t in body["trials"])
    assert all(set(t["phases"]) & {"PHASE1", "PHASE2"} for t in body["trials"])


def test_no_words_lists_open_trials_most_recently_updated_first(api):
    body = api.get("/api/v1/trials", params={"per_page": 100}).json()
    assert body["total"] > 300 and len(body["trials"]) == 100


def test_unknown_place_is_a_422_with_suggestions(api):
    response = api.get("/api/v1/trials", params={"q": "asthma", "near": "Guangzhuo"})
    assert response.status_code == 422
    assert "Guangzhuo" in response.json()["detail"][0]
    assert response.json()["suggestions"][0] == "Guangzhou, Guangdong, China"


def test_bad_parameters_are_422_naming_the_parameter(api):
    for params, name in [({"within": "far", "near": "Paris"}, "within"), ({"phase": "7"}, "phase"),
                         ({"age": "-3"}, "age"), ({"status": "sleepy"}, "status"), ({"page": "0"}, "page")]:
        response = api.get("/api/v1/trials", params=params)
        assert response.status_code == 422, params
        assert name in str(response.json()["detail"])


def test_parameters_are_in_the_openapi_schema(api):
    schema = api.get("/api/openapi.json").json()
    names = {p["name"] for p in schema["paths"]["/api/v1/trials"]["get"]["parameters"]}
    assert {"q", "near", "within", "age", "sex", "status", "phase", "country", "page"} <= names


def test_the_page_count_never_offers_a_page_the_search_refuses(api):
    body = api.get("/api/v1/trials", params={"status": "any", "per_page": 1}).json()
    assert body["total"] > 500 and body["pages"] == 500
    assert api.get("/api/v1/trials", params={"status": "any", "per_page": 1, "page": body["pages"]}).status_code == 200
    assert api.get("/api/v1/trials", params={"status": "any", "per_page": 1, "page": body["pages"] + 1}).status_code == 422
