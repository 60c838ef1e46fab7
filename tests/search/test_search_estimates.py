"""Searches that match very many trials count their facets in a sample of the registry (page and total stay exact).

The demo has 801 trials, so these tests lower the limits (``Sampling``) to make the demo "very many"."""

from __future__ import annotations

import numpy as np
from fastapi.testclient import TestClient

from trialscout.search import SearchRequest, SearchService
from trialscout.search.documents import SAMPLE_LEVELS, sample_terms, trial_key
from trialscout.search.facets import Sample, Sampling, about

SMALL = Sampling(exact_limit=50, min_sample=30, probe_levels=(2,), probe_hits=5)


def sampling_service(demo) -> SearchService:
    return SearchService(demo.service.index, sampling=SMALL)


def test_a_search_matching_many_trials_shows_the_same_page_and_total_with_estimated_facets(demo):
    estimating = sampling_service(demo)
    for request in (SearchRequest(q="", status=("any",)), SearchRequest(q="", per_page=10, page=3),
                    SearchRequest(q="cancer", status=("any",))):
        exact, estimated = demo.service.search(request), estimating.search(request)
        assert not exact.facets_estimated and estimated.facets_estimated
        assert [h.nct_id for h in estimated.hits] == [h.nct_id for h in exact.hits]
        assert estimated.total == exact.total
        shown = {f.value: f.count for f in estimated.facets.status}
        assert set(shown) <= {f.value for f in exact.facets.status} and exact.facets.status[0].value in shown
        biggest = exact.facets.status[0]
        assert 0.5 * biggest.count <= shown[biggest.value] <= 1.5 * biggest.count
        assert all(n == about(n) for n in shown.values())  # rounded: no more precision than they have


def test_a_search_matching_few_trials_is_counted_exactly(demo):
    results = sampling_service(demo).search(SearchRequest(q="acute-on-chronic liver failure"))
    exact = demo.service.search(SearchRequest(q="acute-on-chronic liver failure"))
    assert not results.facets_estimated
    assert results.total == exact.total and results.facets == exact.facets


def test_a_near_search_in_a_crowded_area_estimates_its_facets_not_its_results(demo):
    request = SearchRequest(q="", near="Beijing", within="3000km", status=("any",))
    exact, estimated = demo.service.search(request), sampling_service(demo).search(request)
    assert estimated.facets_estimated and estimated.total == exact.total
    assert [(h.nct_id, h.site) for h in estimated.hits] == [(h.nct_id, h.site) for h in exact.hits]


def test_the_page_and_the_api_say_the_counts_are_estimates(demo):
    from trialscout.web.app import create_app

    app = create_app(demo.settings)
    app.state.search = sampling_service(demo)
    client = TestClient(app)
    page = client.get("/search", params={"q": "", "status": "any"}).text
    assert "estimated from a sample" in page and '<span class="count">(about ' in page
    body = client.get("/api/v1/trials", params={"status": "any"}).json()
    assert body["facets_estimated"] is True and body["total"] == demo.search(status="any").total
    schema = client.get("/api/openapi.json").json()["components"]["schemas"]["SearchResponse"]
    assert "facets_estimated" in schema["properties"]


def test_sample_membership_from_the_key_matches_the_indexed_sample_terms():
    keys = [trial_key(f"NCT{n:08d}") for n in range(5000)] + [0, 4 ** SAMPLE_LEVELS, 2 ** 64 - 1]
    array = np.array(keys, dtype=np.uint64)
    for level in range(1, SAMPLE_LEVELS + 1):
        held = Sample(level).holds(array)
        assert held.tolist() == [str(level) in sample_terms(k) for k in keys]
    assert 0.2 < Sample(1).holds(array).mean() < 0.3
