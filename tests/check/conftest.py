"""Fixtures for the eligibility-check tests: one demo site for the session (796 real records and
the five seeds, every one parsed by the derive step), a client, a served URL, and the CLI.

demo_home   session  TRIALSCOUT_HOME of the demo site (its SQLite file is checked for leaks)
demo_app    session  the app over that home
client      session  TestClient (500s come back as responses)
demo_url    session  the app served by uvicorn, for real Chromium
check_cli   function run(*args) -> Result, the ``trialscout`` command against the demo home
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from support.browser import serve_app
from trialscout.cli import app as cli_app
from trialscout.config import load_settings
from trialscout.web.app import create_app


@pytest.fixture(scope="session")
def demo_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("check-demo-home")


@pytest.fixture(scope="session")
def demo_app(demo_home: Path):
    return create_app(load_settings({"TRIALSCOUT_HOME": str(demo_home)}))


@pytest.fixture(scope="session")
def client(demo_app) -> TestClient:
    return TestClient(demo_app, raise_server_exceptions=False)


@pytest.fixture(scope="session")
def demo_url(demo_app) -> Iterator[str]:
    with serve_app(demo_app) as base:
        yield base


def csrf_token(client: TestClient, path: str) -> str:
    """GET the form page and return its CSRF field (the client keeps the cookie)."""
    page = client.get(path)
    assert page.status_code == 200, page.text[:500]
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


@pytest.fixture
def post_check(client):
    """post_check(nct_id, fields, files=None) -> response of the check form's POST."""

    def post(nct_id: str, fields: dict[str, str], files: dict | None = None):
        token = csrf_token(client, f"/trials/{nct_id}/check")
        return client.post(f"/trials/{nct_id}/check", data={"csrf_token": token, **fields},
                           files=files or {"fhir_file": ("", b"", "application/octet-stream")})

    return post


@pytest.fixture
def check_cli(demo_app, demo_home: Path, monkeypatch):
    monkeypatch.setenv("TRIALSCOUT_HOME", str(demo_home))
    monkeypatch.delenv("TRIALSCOUT_DATABASE_URL", raising=False)
    runner = CliRunner()

    def run(*args: object):
        return runner.invoke(cli_app, [str(a) for a in args], catch_exceptions=False)

    return run
