"""A served demo site shared by the web tests (the demo loads once per session)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from support.browser import serve_app
from trialscout.config import load_settings
from trialscout.web.app import create_app


@pytest.fixture(scope="session")
def demo_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("demo-home")


@pytest.fixture(scope="session")
def demo_app(demo_home: Path):
    return create_app(load_settings({"TRIALSCOUT_HOME": str(demo_home)}))


@pytest.fixture(scope="session")
def demo_url(demo_app) -> Iterator[str]:
    with serve_app(demo_app) as base:
        yield base


@pytest.fixture(scope="session")
def client(demo_app) -> TestClient:
    return TestClient(demo_app, raise_server_exceptions=False)
