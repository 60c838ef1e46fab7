"""Fixtures for the ClinicalTrials.gov client tests: the fake API server and a fast clock.

catalogue    session   the real API v2 records in shared/data/ctgov_api_v2 (796 studies)
studies      session   the same records, API study objects sorted by NCT id
fake         function  a running fake_ctgov.FakeCtgov serving them
clock        function  fake_ctgov.FakeClock (sleeps are recorded, not slept)
make_client  function  builds real CtgovClients pointed at ``fake`` and using ``clock``
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fake_ctgov import DATA_DIR, Catalogue, FakeClock, FakeCtgov, Study, load_studies
from support import in_ci

from trialscout.registry.ctgov import CtgovClient, RetryPolicy


@pytest.fixture(scope="session")
def catalogue() -> Catalogue:
    if not DATA_DIR.is_dir():
        message = f"real ClinicalTrials.gov records not found in {DATA_DIR}"
        if in_ci():
            pytest.fail(message + " (CI=true: failing instead of skipping)", pytrace=False)
        pytest.skip(message)
    return Catalogue(load_studies(DATA_DIR))


@pytest.fixture(scope="session")
def studies(catalogue: Catalogue) -> list[Study]:
    return catalogue.studies


@pytest.fixture
def fake(catalogue: Catalogue) -> Iterator[FakeCtgov]:
    with FakeCtgov(catalogue) as server:
        yield server


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def make_client(fake: FakeCtgov, clock: FakeClock) -> Iterator[Callable[..., CtgovClient]]:
    """Real clients for the fake server: fake clock, 0.5 s timeout, 4 attempts, seeded jitter."""
    clients: list[CtgovClient] = []

    def build(**overrides: Any) -> CtgovClient:
        options: dict[str, Any] = {
            "timeout": 0.5,
            "retry": RetryPolicy(max_attempts=4),
            "sleep": clock.sleep,
            "clock": clock.monotonic,
            "wall_clock": clock.time,
            "rng": random.Random(1234),
        }
        client = CtgovClient(fake.base_url, **(options | overrides))
        clients.append(client)
        return client

    yield build
    for client in clients:
        client.close()
