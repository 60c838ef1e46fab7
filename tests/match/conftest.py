"""Fixtures for the match tests: the bundled demo loaded once (the search index built by the derive
step; eligibility criteria parsed on first use, as for a store filled before that step existed).

demo       session  Demo(settings, store, search, matcher) over a fresh home
demo_app   session  the web app over the same home; demo_url serves it; api is a TestClient
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from support.browser import serve_app
from trialscout import services
from trialscout.config import Settings, load_settings
from trialscout.match import MatchService
from trialscout.search import SearchService
from trialscout.store import TrialStore


@dataclass
class Demo:
    settings: Settings
    store: TrialStore
    search: SearchService
    matcher: MatchService


@pytest.fixture(scope="session")
def demo_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("match-demo")


@pytest.fixture(scope="session")
def demo(demo_home: Path) -> Demo:
    settings = load_settings({"TRIALSCOUT_HOME": str(demo_home)})
    store = services.open_store(settings)
    with pytest.MonkeyPatch.context() as patch:  # the match needs only the search index at load time
        patch.setattr(services, "DERIVERS", [d for d in services.DERIVERS if d.startswith("trialscout.search")])
        services.load_demo_if_empty(store, settings)
    search = SearchService.open(settings)
    return Demo(settings, store, search, MatchService.open(settings, store, search))


@pytest.fixture(scope="session")
def demo_app(demo: Demo):
    from trialscout.web.app import create_app

    return create_app(demo.settings)


@pytest.fixture(scope="session")
def demo_url(demo_app) -> Iterator[str]:
    with serve_app(demo_app) as base:
        yield base


@pytest.fixture(scope="session")
def api(demo_app) -> TestClient:
    return TestClient(demo_app, raise_server_exceptions=False)
