"""A large eligibility derive run parses in worker processes, and stores the parses one process stores."""

from __future__ import annotations

import logging

from support.derive_runs import derive_settings, loaded_store, stored_payloads
from trialscout.demo import DEMO_DIR
from trialscout.eligibility.derive import KIND, derive_eligibility

ELIGIBILITY_LOG = "trialscout.eligibility.derive"




def test_two_workers_store_the_same_parses_as_one_process(tmp_path, store_url, caplog):
    one = derive_settings(tmp_path, store_url, "1")
    store = loaded_store(one)
    derive_eligibility(store, one, None)
    alone = stored_payloads(store, KIND)
    assert len(alone) == store.count() > 400
    assert sum("parse" in p for p in alone.values()) > 400

    store.derived(KIND).put([(nct_id, "old", {"error": "old"}) for nct_id in alone])
    two = derive_settings(tmp_path, store_url, "2")
    with caplog.at_level(logging.INFO, logger=ELIGIBILITY_LOG):
        derive_eligibility(store, two, None)
    assert any("2 worker processes" in r.getMessage() for r in caplog.records)
    shared = stored_payloads(store, KIND)
    assert shared.keys() == alone.keys()
    assert [nct_id for nct_id in alone if shared[nct_id] != alone[nct_id]] == []
    assert store.derived(KIND).stale_ids() == []

    # listed ids (an import's changed trials): unchanged criteria keep their parse, in workers too
    derive_eligibility(store, two, list(alone))
    assert stored_payloads(store, KIND) == alone


def test_a_small_eligibility_run_stays_in_one_process(tmp_path, caplog):
    settings = derive_settings(tmp_path, f"sqlite:///{tmp_path}/small.db", "2")
    store = loaded_store(settings, [DEMO_DIR / "seeds"])
    with caplog.at_level(logging.INFO, logger=ELIGIBILITY_LOG):
        derive_eligibility(store, settings, None)
    assert not any("worker processes" in r.getMessage() for r in caplog.records)
    assert store.derived(KIND).stale_ids() == []
    assert all("parse" in p for p in stored_payloads(store, KIND).values())
