"""Parse once when a record is stored or changes: the derive step keeps a parse per trial."""

from __future__ import annotations

import json

from trialscout.config import load_settings
from trialscout.demo import DEMO_DIR
from trialscout.eligibility import ParsedEligibility
from trialscout.eligibility import derive as derive_module
from trialscout.eligibility.derive import KIND, derive_eligibility, parsed_from_payload
from trialscout.services import DERIVERS, ingest_and_derive, open_store


def test_the_deriver_is_registered():
    assert "trialscout.eligibility.derive:derive_eligibility" in DERIVERS


def test_every_demo_trial_has_a_current_parse(demo_app):
    store = demo_app.state.store
    derived = store.derived(KIND)
    assert derived.stale_ids() == []
    ids = [r["nct_id"] for r in store.summaries(limit=10_000)]
    payloads = derived.get_many(ids)
    assert len(payloads) == store.count() == 801
    parsed = {i: parsed_from_payload(p) for i, p in payloads.items()}
    assert all(isinstance(p, ParsedEligibility) for p in parsed.values()), \
        [(i, payloads[i].get("error")) for i, p in parsed.items() if p is None][:5]
    seed = parsed["TSLOCAL-0002"]
    assert any(c.type == "lab" and c.analyte == "bilirubin" for pc in seed.criteria for c in pc.constraints)
    assert [pc.criterion.text for pc in parsed["NCT06882811"].registry] == ["Age 65 years or younger"]


def _changed(tmp_path, name: str, change) -> None:
    record = json.loads((DEMO_DIR / "seeds" / f"{name}.json").read_text(encoding="utf-8"))
    change(record["protocolSection"])
    record["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"] = {"date": "2027-01-15"}
    (tmp_path / f"{name}.json").write_text(json.dumps(record), encoding="utf-8")


def test_only_changed_eligibility_is_parsed_again(tmp_path, store_url, monkeypatch):
    settings = load_settings({"TRIALSCOUT_HOME": str(tmp_path / "home"), "TRIALSCOUT_LOAD_DEMO": "false",
                              "TRIALSCOUT_DATABASE_URL": store_url})
    store = open_store(settings)
    ingest_and_derive([DEMO_DIR / "seeds"], store, settings)
    derived = store.derived(KIND)
    assert derived.stale_ids() == [] and len(derived.get_many([r["nct_id"] for r in store.summaries()])) == 5

    parsed: list[str] = []
    real = derive_module.parse_trial
    monkeypatch.setattr(derive_module, "parse_trial", lambda trial: parsed.append(trial.nct_id) or real(trial))

    changes = tmp_path / "changes"
    changes.mkdir()
    _changed(changes, "TSLOCAL-0002", lambda p: p["eligibilityModule"].update(
        eligibilityCriteria=p["eligibilityModule"]["eligibilityCriteria"].replace("≥ 171μmol/L", "≥ 85μmol/L")))
    _changed(changes, "NCT07276568", lambda p: p["designModule"]["enrollmentInfo"].update(count=24))
    report = ingest_and_derive([changes], store, settings)
    assert sorted(report.result.changed) == ["NCT07276568", "TSLOCAL-0002"]

    assert parsed == ["TSLOCAL-0002"]  # the enrolment change kept its parse; only new criteria are parsed
    assert derived.stale_ids() == []
    new = parsed_from_payload(derived.get("TSLOCAL-0002"))
    bilirubin = next(c for pc in new.criteria for c in pc.constraints if c.type == "lab" and c.analyte == "bilirubin")
    assert bilirubin.value == 85
    assert derived.get("NCT07276568")["record_hash"] == store.get("NCT07276568").content_hash

    parsed.clear()
    derive_eligibility(store, settings, None)  # a rebuild from scratch parses everything again
    assert sorted(parsed) == sorted(r["nct_id"] for r in store.summaries())
