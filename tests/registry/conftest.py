"""Fixtures for the ClinicalTrials.gov client tests: the fake server and a fast clock."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fake_ctgov import DATA_DIR, FakeCtgov, Study, load_studies

from trialscout.registry.ctgov import CtgovClient, RetryPolicy

EPOCH = 1_750_000_000.0  # an arbitrary wall-clock start for the fake clock


class FakeClock:
    """Monotonic and wall clocks that only move when the client sleeps; sleeps are recorded."""

    def __init__(self) -> None:
        self.elapsed = 0.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.elapsed += seconds

    def monotonic(self) -> float:
        return self.elapsed

    def time(self) -> float:
        return EPOCH + self.elapsed


@pytest.fixture(scope="session")
def studies() -> list[Study]:
    if not DATA_DIR.is_dir():
        pytest.skip(f"real ClinicalTrials.gov records not found in {DATA_DIR}")
    return load_studies()


@pytest.fixture
def fake(studies: list[Study]) -> Iterator[FakeCtgov]:
    with FakeCtgov(studies) as server:
        yield server


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


ClientFactory = Callable[..., CtgovClient]


@pytest.fixture
def make_client(fake: FakeCtgov, clock: FakeClock) -> Iterator[ClientFactory]:
    """Build real clients pointed at the fake server, with the fake clock and short timeouts."""
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
        options.update(overrides)
        client = CtgovClient(fake.base_url, **options)
        clients.append(client)
        return client

    yield build
    for client in clients:
        client.close()
