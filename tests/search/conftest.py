"""Fixtures for the search tests: the demo data indexed once, and a small synthetic index.

demo          session  Demo(settings, store, service): the bundled demo (801 trials) in a fresh home,
                       loaded the way the product loads it (ingest, then the derive step builds the index)
synthetic     session  the same for search_studies.synthetic_trials() (SQLite), for filter and site tests
demo_app      session  the web app over the demo home; demo_url serves it; api is a TestClient
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from search_studies import synthetic_trials
from support.browser import serve_app
from trialscout.config import Settings, load_settings
from trialscout.search import SearchRequest, SearchResults, SearchService
from trialscout.services import load_demo_if_empty, open_store, refresh_derived
from trialscout.store import TrialStore


@dataclass
class Indexed:
    settings: Settings
    store: TrialStore
    service: SearchService

    def search(self, q: str = "", **fields) -> SearchResults:
        if "status" in fields and isinstance(fields["status"], str):
            fields["status"] = (fields["status"],)
        return self.service.search(SearchRequest(q=q, **fields))

    def ids(self, q: str = "", **fields) -> list[str]:
        return [h.nct_id for h in self.search(q, per_page=100, **fields).hits]


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Indexed:
    home: Path = tmp_path_factory.mktemp("search-demo")
    settings = load_settings({"TRIALSCOUT_HOME": str(home)})
    store = open_store(settings)
    load_demo_if_empty(store, settings)
    return Indexed(settings, store, SearchService.open(settings))


@pytest.fixture(scope="session")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Indexed:
    home: Path = tmp_path_factory.mktemp("search-synthetic")
    settings = load_settings({"TRIALSCOUT_HOME": str(home), "TRIALSCOUT_LOAD_DEMO": "false"})
    store = open_store(settings)
    result = store.upsert(synthetic_trials())
    refresh_derived(store, settings, result.added)
    return Indexed(settings, store, SearchService.open(settings))


@pytest.fixture(scope="session")
def demo_app(demo: Indexed):
    from trialscout.web.app import create_app

    return create_app(demo.settings)


@pytest.fixture(scope="session")
def demo_url(demo_app) -> Iterator[str]:
    with serve_app(demo_app) as base:
        yield base


@pytest.fixture(scope="session")
def api(demo_app) -> TestClient:
    return TestClient(demo_app, raise_server_exceptions=True)
