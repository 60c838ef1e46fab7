"""Bad input on SQLite and PostgreSQL: a malformed record is reported with its id and reason and
skipped, the rest goes on; a batch that fails in the database leaves none of its rows."""

from __future__ import annotations

import copy
from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from trialscout.registry.files import SourceRecord, iter_paths
from trialscout.store import ingest
from trialscout.store.schema import trial_versions, trials


def nct(study: dict) -> str:
    return study["protocolSection"]["identificationModule"]["nctId"]


def put(study: dict, path: str, value: Any) -> dict:
    study = copy.deepcopy(study)
    node = study
    *parents, last = path.split(".")
    for key in parents:
        node = node.setdefault(key, {})
    node[last] = value
    return study


def rows(store, table: sa.Table) -> list[tuple]:
    with store.engine.connect() as conn:
        return sorted(conn.execute(sa.select(table.c.nct_id, table.c.version, table.c.content_hash)).all())


PS = "protocolSection"
SCRIPT = '<script>alert(document.cookie)</script><p onclick="x()">Inclusion &amp; exclusion</p>'


def test_malformed_records_are_reported_and_skipped_and_the_rest_goes_on(store, real_studies):
    good = real_studies[:8]
    bad = {
        "wrong type": (put(real_studies[10], f"{PS}.designModule.enrollmentInfo.count", "many"), "count"),
        "no identification": ({PS: {"descriptionModule": {"briefSummary": "A study"}}}, "nctId"),
        "unknown enum": (put(real_studies[11], f"{PS}.statusModule.overallStatus", "OPEN"), "overallStatus"),
        "5 MB description": (put(real_studies[12], f"{PS}.descriptionModule.detailedDescription",
                                 "A long description. " * 262_144), "detailedDescription"),
        # Both used to reach the database and fail the whole batch on PostgreSQL.
        "NUL in the title": (put(real_studies[13], f"{PS}.identificationModule.briefTitle", "A\x00B"), "briefTitle"),
        "overlong source": (put(real_studies[14], "trialscoutSource.format", "x" * 100), "format"),
    }
    html = put(put(real_studies[15], f"{PS}.identificationModule.briefTitle", SCRIPT),
               f"{PS}.eligibilityModule.eligibilityCriteria", SCRIPT)
    stream = [SourceRecord(f"good#{i}", study=s) for i, s in enumerate(good)]
    for i, (name, (study, _)) in enumerate(bad.items()):
        stream.insert(1 + 2 * i, SourceRecord(f"bad#{name}", study=study))
    stream.append(SourceRecord("html#0", study=html))
    stream.append(SourceRecord("broken.jsonl:7", error="invalid JSON on this line"))

    report = ingest(stream, store, batch_size=3)

    assert report.read == len(good) + len(bad) + 2
    rejected = {r.source: r for r in report.rejected}
    assert set(rejected) == {f"bad#{name}" for name in bad} | {"broken.jsonl:7"}
    for name, (study, field) in bad.items():
        r = rejected[f"bad#{name}"]
        assert r.record_id == (nct(study) if name != "no identification" else "?")
        assert field in r.reason and len(r.reason) < 200
    assert rejected["broken.jsonl:7"].reason == "invalid JSON on this line"
    assert sorted(report.result.added) == sorted([nct(s) for s in good] + [nct(html)])
    assert store.count() == len(good) + 1
    stored = store.get(nct(html)).trial
    assert stored.brief_title == SCRIPT and stored.eligibility.criteria == SCRIPT  # kept as-is for escaping later


@pytest.fixture
def refuse(store):
    """Make the database itself refuse to record a version of one trial id (a real database failure)."""
    def install(nct_id: str) -> None:
        with store.engine.begin() as conn:
            if store.engine.dialect.name == "sqlite":
                conn.execute(sa.text(
                    "CREATE TRIGGER refuse_one BEFORE INSERT ON trial_versions "
                    f"WHEN NEW.nct_id = '{nct_id}' BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"))
            else:
                conn.execute(sa.text(
                    f"ALTER TABLE trial_versions ADD CONSTRAINT refuse_one CHECK (nct_id <> '{nct_id}')"))
    return install


def test_a_batch_that_fails_in_the_database_leaves_none_of_its_rows(store, real_studies, refuse):
    first_batch, second_batch, third_batch = real_studies[:5], real_studies[5:9], real_studies[9:14]
    newer = copy.deepcopy(first_batch[0])  # in the second batch: an update of a trial the first one stored
    struct = newer[PS]["statusModule"]["lastUpdatePostDateStruct"]
    struct["date"] = (date.fromisoformat(struct["date"]) + timedelta(days=1)).isoformat()
    newer[PS]["statusModule"]["overallStatus"] = "WITHDRAWN"
    refused = second_batch[-1]
    refuse(nct(refused))

    stream = [SourceRecord(f"a#{i}", study=s) for i, s in enumerate(first_batch)]
    stream += [SourceRecord("b#update", study=newer)]
    stream += [SourceRecord(f"b#{i}", study=s) for i, s in enumerate(second_batch)]
    stream += [SourceRecord(f"c#{i}", study=s) for i, s in enumerate(third_batch)]
    with pytest.raises(sa.exc.DBAPIError, match="refuse"):
        ingest(stream, store, batch_size=5)

    # The first batch landed whole; nothing of the second (not even the update); the third never ran.
    assert [r[0] for r in rows(store, trials)] == sorted(nct(s) for s in first_batch)
    assert [(r[0], r[1]) for r in rows(store, trial_versions)] == sorted((nct(s), 1) for s in first_batch)
    kept = store.get(nct(newer))
    assert kept.version == 1 and kept.trial.raw == first_batch[0]
    assert [v.version for v in store.history(nct(newer))] == [1]

    # Once the database accepts the record again, the same import completes.
    with store.engine.begin() as conn:
        if store.engine.dialect.name == "sqlite":
            conn.execute(sa.text("DROP TRIGGER refuse_one"))
        else:
            conn.execute(sa.text("ALTER TABLE trial_versions DROP CONSTRAINT refuse_one"))
    report = ingest(stream, store, batch_size=5)
    assert report.result.changed == [nct(newer)] and report.result.unchanged == 5
    assert store.count() == 14 and store.get(nct(newer)).trial.overall_status == "WITHDRAWN"


def test_legacy_xml_and_api_records_share_one_store(store, shared_dir, real_studies):
    legacy = sorted((shared_dir / "data" / "ctgov_legacy_xml").glob("NCT*xxxx/*.xml"))[::40]
    report = ingest(iter_paths(legacy), store)
    assert report.rejected == [] and sorted(report.result.added) == [p.stem for p in legacy]
    assert ingest(iter_paths(legacy), store).result.unchanged == len(legacy)
    ingest([SourceRecord("api#0", study=real_studies[0])], store)
    formats = {s.trial.source_format for s in store.iter_trials()}
    assert formats == {"ctgov-legacy-xml", "ctgov-api-v2"}
    assert store.version_count() == len(legacy) + 1
