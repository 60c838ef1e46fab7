"""Suite-wide fixtures: databases (SQLite and a real PostgreSQL), browser, paths.

  postgres_server  session  support.postgres.PostgresServer (started lazily, once)
  postgres_url     session  SQLAlchemy URL of its `trialscout_test` database
  store_url        function fresh empty database URL, parametrized [sqlite, postgresql]
  trialscout_home  function tmp dir, also exported as $TRIALSCOUT_HOME
  shared_dir       session  Path of ../shared beside the repo ($TRIALSCOUT_SHARED)
  browser          session  Playwright Browser (headless Debian Chromium)
  page             function Page in a fresh context (desktop)
  phone_page       function Page in a fresh phone context (390x844, is_mobile)

Missing PostgreSQL/Chromium skips those tests locally but FAILS them in CI (CI=true).
Per-package fixtures belong in that package's own conftest.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from support import SHARED_DIR, in_ci


def _unavailable(message: str):
    if in_ci():
        pytest.fail(message + " (CI=true: failing instead of skipping)", pytrace=False)
    pytest.skip(message)


# --- databases ---------------------------------------------------------------


@pytest.fixture(scope="session")
def postgres_server():
    from support.postgres import PostgresServer, PostgresUnavailable

    problem = None
    try:
        server = PostgresServer().start()
    except PostgresUnavailable as e:
        problem = str(e)
    if problem:
        _unavailable(problem)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def postgres_url(postgres_server) -> str:
    return postgres_server.url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_url(request, tmp_path: Path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/trialscout.db"
        return
    server = request.getfixturevalue("postgres_server")
    url = server.create_database()
    try:
        yield url
    finally:
        server.drop_database(url)


# --- paths -------------------------------------------------------------------


@pytest.fixture
def trialscout_home(tmp_path: Path, monkeypatch) -> Path:
    home = tmp_path / "trialscout-home"
    home.mkdir()
    monkeypatch.setenv("TRIALSCOUT_HOME", str(home))
    return home


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The shared data folder (../shared, or $TRIALSCOUT_SHARED); skipped without it, failed in CI."""
    if not (SHARED_DIR / "data").is_dir():
        message = f"the shared data folder was not found at {SHARED_DIR} (set TRIALSCOUT_SHARED)"
        if in_ci():
            pytest.fail(message + " (CI=true: failing instead of skipping)", pytrace=False)
        pytest.skip(message)
    return SHARED_DIR


# --- browser -----------------------------------------------------------------


@pytest.fixture(scope="session")
def browser():
    from support.browser import BrowserUnavailable, chromium_path, launch_browser

    problem = None
    try:
        chromium_path()
    except BrowserUnavailable as e:
        problem = str(e)
    if problem:
        _unavailable(problem)
    with launch_browser() as b:
        yield b


@pytest.fixture
def page(browser):
    from support.browser import new_page

    with new_page(browser) as p:
        yield p


@pytest.fixture
def phone_page(browser):
    from support.browser import PHONE, new_page

    with new_page(browser, **PHONE) as p:
        yield p


@pytest.fixture(scope="session")
def api_files(shared_dir: Path) -> list[Path]:
    """The real registry files (ctg-studies.json arrays) under shared/data/ctgov_api_v2."""
    files = sorted((shared_dir / "data" / "ctgov_api_v2").glob("*/*.json"))
    if not files:
        message = f"real ClinicalTrials.gov records not found under {shared_dir}"
        if in_ci():
            pytest.fail(message + " (CI=true: failing instead of skipping)", pytrace=False)
        pytest.skip(message)
    return files
