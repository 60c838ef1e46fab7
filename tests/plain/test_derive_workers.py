"""A large derive run makes its plain pages in worker processes, and they are the pages one process makes."""

from __future__ import annotations

import logging

import pytest

from support.derive_runs import derive_settings, loaded_store, stored_payloads
from trialscout.config import ConfigError
from trialscout.demo import DEMO_DIR
from trialscout.eligibility.derive import derive_eligibility
from trialscout.plain.derive import KIND, derive_plain

WORKERS_LOG = "trialscout.plain.workers"




def test_two_workers_store_the_same_pages_as_one_process(tmp_path, store_url, caplog):
    one = derive_settings(tmp_path, store_url, "1")
    store = loaded_store(one)
    derive_eligibility(store, one, None)
    derive_plain(store, one, None)
    alone = stored_payloads(store, KIND)
    assert len(alone) == store.count() > 400

    store.derived(KIND).put([(nct_id, "old", {"summary": ["old page"]}) for nct_id in alone])
    with caplog.at_level(logging.INFO, logger=WORKERS_LOG):
        derive_plain(store, derive_settings(tmp_path, store_url, "2"), None)
    assert any("2 worker processes" in r.getMessage() for r in caplog.records)
    shared = stored_payloads(store, KIND)
    assert shared.keys() == alone.keys()
    assert [nct_id for nct_id in alone if shared[nct_id] != alone[nct_id]] == []
    assert store.derived(KIND).stale_ids() == []


def test_a_small_run_stays_in_one_process(tmp_path, caplog):
    settings = derive_settings(tmp_path, f"sqlite:///{tmp_path}/small.db", "2")
    store = loaded_store(settings, [DEMO_DIR / "seeds"])
    with caplog.at_level(logging.INFO, logger=WORKERS_LOG):
        derive_plain(store, settings, None)
    assert not any("worker processes" in r.getMessage() for r in caplog.records)
    assert store.derived(KIND).stale_ids() == []


@pytest.mark.parametrize("value, message", [("0", "must be 1 or more"), ("two", "must be a whole number")])
def test_a_bad_worker_count_says_which_setting_to_fix(tmp_path, value, message):
    with pytest.raises(ConfigError, match=f"TRIALSCOUT_DERIVE_WORKERS {message}"):
        settings = derive_settings(tmp_path, f"sqlite:///{tmp_path}/bad.db", value)
        store = loaded_store(settings, [DEMO_DIR / "seeds"])
        derive_plain(store, settings, None)


def test_a_run_started_from_a_background_thread_does_not_fork(tmp_path, caplog):
    """The server's scheduled sync derives in its own thread: forking there could hang a worker on a lock
    another thread held, so such a run stays in one process and still stores every page."""
    import threading

    settings = derive_settings(tmp_path, f"sqlite:///{tmp_path}/thread.db", "2")
    store = loaded_store(settings)
    derive_eligibility(store, settings, None)
    failures: list[BaseException] = []

    def run() -> None:
        try:
            derive_plain(store, settings, None)
        except BaseException as exc:  # noqa: BLE001 - surfaced by the assertion below
            failures.append(exc)

    with caplog.at_level(logging.INFO, logger=WORKERS_LOG):
        thread = threading.Thread(target=run, name="trialscout-schedule")
        thread.start()
        thread.join(timeout=600)
    assert failures == []
    assert not any("worker processes" in r.getMessage() for r in caplog.records)
    assert store.count() > 400 and store.derived(KIND).stale_ids() == []
