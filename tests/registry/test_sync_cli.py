"""`trialscout sync` end to end: the real client and store against the fake registry, with faults."""

from __future__ import annotations

from pathlib import Path

import pytest
from fake_ctgov import Fault, FakeCtgov
from typer.testing import CliRunner

from trialscout.cli import app
from trialscout.config import load_settings
from trialscout.store import TrialStore

runner = CliRunner()


@pytest.fixture
def sync_env(fake: FakeCtgov, tmp_path: Path) -> dict[str, str]:
    return {
        "TRIALSCOUT_HOME": str(tmp_path / "home"),
        "TRIALSCOUT_REGISTRY_URL": fake.base_url,
        "TRIALSCOUT_REGISTRY_PAGE_SIZE": "100",
        "TRIALSCOUT_REGISTRY_REQUESTS_PER_MINUTE": "6000",
        "TRIALSCOUT_LOAD_DEMO": "false",
    }


def run_sync(env: dict[str, str], *args: str):
    return runner.invoke(app, ["sync", "--json", *args], env=env)


def open_store(env: dict[str, str]) -> TrialStore:
    return TrialStore(load_settings(env).db_url)


def test_faulty_sync_stores_every_trial_once_and_a_second_sync_adds_no_version(fake, sync_env, studies):
    fake.inject(Fault.http_error(500), on_request=2)
    fake.inject(Fault.http_error(429, retry_after="1"), on_request=4)
    fake.inject(Fault.truncated(), on_request=6)
    fake.inject(Fault.repeat_page(), on_request=8)
    result = run_sync(sync_env)
    assert result.exit_code == 0, result.output
    store = open_store(sync_env)
    assert store.count() == len(studies) == 796
    assert store.version_count() == 796  # one version each: nothing stored twice

    again = run_sync(sync_env)
    assert again.exit_code == 0, again.output
    assert store.count() == 796 and store.version_count() == 796


def test_an_interrupted_sync_resumes_from_its_checkpoint(fake, sync_env):
    fake.inject(Fault.http_error(503), on_request=4, times=50)  # the registry goes down mid-sync
    first = run_sync(sync_env)
    assert first.exit_code != 0
    assert "re-run" in first.output.lower() or "try again" in first.output.lower()
    store = open_store(sync_env)
    assert store.count() == 300  # three pages were stored before it failed

    fake._faults.clear()
    served_before = len(fake.requests)
    resumed = run_sync(sync_env)
    assert resumed.exit_code == 0, resumed.output
    assert store.count() == 796 and store.version_count() == 796
    resumed_tokens = [r.params.get("pageToken") for r in fake.requests[served_before:]]
    assert resumed_tokens[0] is not None  # it did not start over from the first page


def test_condition_and_since_filters_reach_the_registry(fake, sync_env):
    result = run_sync(sync_env, "--condition", "asthma", "--since", "2024-01-01")
    assert result.exit_code == 0, result.output
    first = fake.requests[0].params
    assert first["query.cond"] == "asthma"
    assert "2024-01-01" in first["filter.advanced"]
    assert 0 < open_store(sync_env).count() < 796


def test_a_bad_date_is_refused_with_a_clear_message(sync_env):
    result = run_sync(sync_env, "--since", "last tuesday")
    assert result.exit_code == 2
    assert "2024-01-31" in result.output
