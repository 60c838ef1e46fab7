"""The derive step keeps each trial's plain page in the store and rewrites it when the record changes."""

from __future__ import annotations

import json

from trialscout.config import load_settings
from trialscout.demo import DEMO_DIR
from trialscout.plain.derive import KIND
from trialscout.services import ingest_and_derive, open_store


def test_pages_are_stored_on_import_and_follow_a_changed_record(tmp_path, store_url):
    settings = load_settings({"TRIALSCOUT_HOME": str(tmp_path / "home"), "TRIALSCOUT_LOAD_DEMO": "false",
                              "TRIALSCOUT_DATABASE_URL": store_url})
    store = open_store(settings)
    ingest_and_derive([DEMO_DIR / "seeds"], store, settings)
    plain = store.derived(KIND)
    assert plain.stale_ids() == []
    page = plain.get("NCT07276568")
    assert "12 people" in " ".join(page["summary"])

    record = json.loads((DEMO_DIR / "seeds" / "NCT07276568.json").read_text())
    record["protocolSection"]["designModule"]["enrollmentInfo"]["count"] = 24
    record["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"] = {"date": "2026-07-01"}
    changed = tmp_path / "changed"
    changed.mkdir()
    (changed / "NCT07276568.json").write_text(json.dumps(record))
    ingest_and_derive([changed], store, settings)
    page = plain.get("NCT07276568")
    assert "24 people" in " ".join(page["summary"]) and "12 people" not in " ".join(page["summary"])
    assert plain.stale_ids() == []


def test_a_deployment_glossary_extends_the_shipped_one(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    (home / "glossary.json").write_text(json.dumps({"entries": [{
        "term": "acute-on-chronic liver failure", "kind": "condition",
        "plain": "liver failure on top of old liver damage",
        "explain": "a liver that suddenly stops working after years of damage"}]}))
    settings = load_settings({"TRIALSCOUT_HOME": str(home), "TRIALSCOUT_LOAD_DEMO": "false"})
    store = open_store(settings)
    ingest_and_derive([DEMO_DIR / "seeds" / "NCT06740149.json"], store, settings)
    summary = " ".join(store.derived(KIND).get("NCT06740149")["summary"])
    assert "a liver that suddenly stops working after years of damage" in summary
