"""Fixtures for the alert tests.

studies      session   the real ClinicalTrials.gov records under shared/data
smtp         function  a real SMTP server in this process (aiosmtpd), plain
tls_smtp     function  the same demanding STARTTLS and a login (self-signed certificate, trusted via SSL_CERT_FILE)
make_site    function  make_site(server, tls=False): a fresh trialscout (SQLite and PostgreSQL via ``store_url``)
                       with three real followable trials imported and indexed, mail going to ``server``
site         function  make_site(smtp): .settings .store .alerts .studies .server .sync(*changed_copies)
sqlite_site  function  the same on SQLite only (pages and forms, where the database does not matter)
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from trialscout.alerts import Alerts
from trialscout.config import Settings, load_settings
from trialscout.services import ingest_and_derive, open_store
from trialscout.store import TrialStore

from alert_smtp import PASSWORD, USER, SmtpServer, self_signed_certificate
from alert_records import followable, load_studies, write


@pytest.fixture(scope="session")
def studies(shared_dir: Path) -> list[dict]:
    found = load_studies(shared_dir)
    if not found:
        pytest.skip(f"real ClinicalTrials.gov records not found under {shared_dir}")
    return found


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        yield server


@pytest.fixture(scope="session")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return self_signed_certificate(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def tls_smtp(certificate, monkeypatch) -> Iterator[SmtpServer]:
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
    with SmtpServer(tls_files=certificate) as server:
        yield server


def site_settings(home: Path, store_url: str, server: SmtpServer, tls: bool = False, **extra: str) -> Settings:
    env = {
        "TRIALSCOUT_HOME": str(home), "TRIALSCOUT_DATABASE_URL": store_url, "TRIALSCOUT_LOAD_DEMO": "false",
        "TRIALSCOUT_SMTP_HOST": "127.0.0.1", "TRIALSCOUT_SMTP_PORT": str(server.port),
        "TRIALSCOUT_SMTP_STARTTLS": "true" if tls else "false",
        "TRIALSCOUT_MAIL_FROM": "trialscout <alerts@trialscout.test>",
        "TRIALSCOUT_PUBLIC_URL": "http://trialscout.test", **extra,
    }
    if tls:
        env.update(TRIALSCOUT_SMTP_USER=USER, TRIALSCOUT_SMTP_PASSWORD=PASSWORD)
    return load_settings(env)


@dataclass
class Site:
    settings: Settings
    store: TrialStore
    alerts: Alerts
    studies: list[dict]
    folder: Path
    server: SmtpServer

    def sync(self, *changed: dict, name: str = "sync.json"):
        """Import modified copies of records, as a sync would (alerts enqueue in the same transaction)."""
        return ingest_and_derive([write(self.folder / name, list(changed))], self.store, self.settings)


def build_site(url: str, folder: Path, studies: list[dict], server: SmtpServer, tls: bool = False,
               **extra: str) -> Site:
    """A fresh site on ``url`` with three real followable trials imported and indexed."""
    settings = site_settings(folder / "home", url, server, tls, **extra)
    store = open_store(settings)
    chosen = followable(studies, 3)
    ingest_and_derive([write(folder / "first.json", chosen)], store, settings)
    return Site(settings, store, Alerts(store, settings), chosen, folder, server)


@pytest.fixture
def make_site(store_url: str, tmp_path: Path, studies: list[dict]):
    """``make_site(server, tls=False, **settings)``: a fresh site whose mail goes to ``server``."""
    opened: list[Site] = []

    def make(server: SmtpServer, tls: bool = False, **extra: str) -> Site:
        opened.append(build_site(store_url, tmp_path, studies, server, tls, **extra))
        return opened[-1]

    yield make
    for made in opened:
        made.store.close()


@pytest.fixture
def site(make_site, smtp: SmtpServer) -> Site:
    return make_site(smtp)


@pytest.fixture
def sqlite_site(tmp_path: Path, studies: list[dict], smtp: SmtpServer) -> Iterator[Site]:
    """The same site on SQLite only (for tests of pages and forms, where the database does not matter)."""
    made = build_site(f"sqlite:///{tmp_path}/site.db", tmp_path, studies, smtp)
    yield made
    made.store.close()
