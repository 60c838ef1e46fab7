"""History on SQLite and PostgreSQL: first seen, last changed, a version per real change with its
field-level diff; identical and older copies change nothing; overlapping files are idempotent."""

from __future__ import annotations

import copy
from datetime import date, datetime, timedelta, timezone

import pytest

from trialscout.registry.files import SourceRecord, iter_paths
from trialscout.store import ingest
from trialscout.trial import trial_from_ctgov

T0 = datetime(2025, 1, 6, 9, 30, tzinfo=timezone.utc)
T1, T2, T3 = (T0 + timedelta(days=n) for n in (1, 2, 3))


def nct(study: dict) -> str:
    return study["protocolSection"]["identificationModule"]["nctId"]


def bumped(study: dict, days: int) -> dict:
    """A copy of ``study`` whose last-update date is ``days`` later (earlier if negative)."""
    study = copy.deepcopy(study)
    struct = study["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"]
    struct["date"] = (date.fromisoformat(struct["date"]) + timedelta(days=days)).isoformat()
    return study


def records(*studies: dict) -> list[SourceRecord]:
    return [SourceRecord(f"test#{i}", study=s) for i, s in enumerate(studies)]


def snapshot(store) -> dict[str, tuple]:
    return {s.trial.nct_id: (s.version, s.content_hash, s.first_seen, s.last_changed) for s in store.iter_trials()}


def site_label(site: dict) -> str:
    return ", ".join(site[k] for k in ("facility", "city", "country") if site.get(k))


# --- overlapping files ---------------------------------------------------------------------------


def test_importing_the_real_files_twice_adds_nothing(store, api_files, real_studies):
    ids = [nct(s) for s in real_studies]
    duplicated = {i for i in ids if ids.count(i) > 1}
    assert len(duplicated) == 10

    first = ingest(iter_paths(api_files), store, now=T0)
    assert first.read == 806 and first.rejected == []
    assert sorted(first.result.added) == sorted(set(ids))
    assert first.result.older == 10  # the second copy of each duplicated id, same last-update date
    assert store.count() == 796 and store.version_count() == 796
    first_copy: dict[str, dict] = {}
    for study in real_studies:
        first_copy.setdefault(nct(study), study)
    for nct_id in duplicated:
        assert store.get(nct_id).trial.raw == first_copy[nct_id]
    held = snapshot(store)
    assert {v[0] for v in held.values()} == {1}
    assert {(v[2], v[3]) for v in held.values()} == {(T0, T0)}

    # Again, in small batches so the duplicates fall in different transactions.
    second = ingest(iter_paths(api_files), store, batch_size=37, now=T1)
    assert (second.result.added, second.result.changed) == ([], [])
    assert (second.result.unchanged, second.result.older) == (796, 10)
    assert store.version_count() == 796 and snapshot(store) == held

    # The overlapping files alone, in the other order: the copies held do not flip.
    overlapping = [f for f in api_files if f.parent.name == "dgg32__clinical-trials-public"]
    assert len(overlapping) == 2
    third = ingest(iter_paths(list(reversed(overlapping))), store, now=T2)
    assert (third.result.added, third.result.changed, third.rejected) == ([], [], [])
    assert store.version_count() == 796 and snapshot(store) == held


# --- versions and diffs --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def recruiting(real_studies) -> dict:
    """A real recruiting trial with eligibility criteria and at least two sites with a status."""
    def fits(s: dict) -> bool:
        ps = s["protocolSection"]
        sites = ps.get("contactsLocationsModule", {}).get("locations", [])
        return (ps["statusModule"]["overallStatus"] == "RECRUITING"
                and ps.get("eligibilityModule", {}).get("eligibilityCriteria")
                and sum(1 for x in sites if x.get("status") == "RECRUITING") >= 2)
    return next(s for s in real_studies if fits(s))


def test_real_changes_make_versions_with_field_level_diffs(store, recruiting):
    nct_id = nct(recruiting)
    report = ingest(records(recruiting), store, now=T0)
    assert report.result.added == [nct_id]

    changed = bumped(recruiting, 30)
    ps = changed["protocolSection"]
    ps["statusModule"]["overallStatus"] = "COMPLETED"
    site = next(s for s in ps["contactsLocationsModule"]["locations"] if s.get("status") == "RECRUITING")
    site["status"] = "ACTIVE_NOT_RECRUITING"
    new_site = {"facility": "Hôpital de la Croix-Rousse", "city": "Lyon", "zip": "69004", "country": "France",
                "status": "NOT_YET_RECRUITING"}
    ps["contactsLocationsModule"]["locations"].append(new_site)
    criteria_before = ps["eligibilityModule"]["eligibilityCriteria"].strip()
    ps["eligibilityModule"]["eligibilityCriteria"] = criteria_before + "\n* Pregnant or breastfeeding"

    report = ingest(records(changed), store, now=T1)
    assert report.result.changed == [nct_id] and report.result.added == []

    versions = store.history(nct_id)
    assert [(v.version, v.recorded_at) for v in versions] == [(1, T0), (2, T1)]
    assert versions[0].changes == []
    diff = versions[1].changes
    assert {"field": "overall_status", "kind": "changed", "before": "RECRUITING", "after": "COMPLETED"} in diff
    assert {"field": "site", "kind": "added", "after": "NOT_YET_RECRUITING", "subject": site_label(new_site)} in diff
    assert {"field": "site_status", "kind": "changed", "before": "RECRUITING", "after": "ACTIVE_NOT_RECRUITING",
            "subject": site_label(site)} in diff
    assert {"field": "eligibility_criteria", "kind": "changed", "before": criteria_before,
            "after": criteria_before + "\n* Pregnant or breastfeeding"} in diff
    assert len(diff) == 4, diff  # nothing else is reported as changed

    stored = store.get(nct_id)
    assert (stored.version, stored.first_seen, stored.last_changed) == (2, T0, T1)
    assert stored.trial.overall_status == "COMPLETED"
    assert stored.trial.raw == changed

    # The same data again: no new version, last changed stays.
    report = ingest(records(changed), store, now=T2)
    assert report.result.unchanged == 1 and report.result.changed == []
    # The older copy again: ignored, never overwrites the newer one.
    report = ingest(records(recruiting), store, now=T3)
    assert report.result.older == 1 and report.result.changed == []
    # A different copy with the same last-update date: ignored too (registry dates are per day).
    same_day = copy.deepcopy(changed)
    same_day["protocolSection"]["statusModule"]["overallStatus"] = "TERMINATED"
    report = ingest(records(same_day), store, now=T3)
    assert report.result.older == 1 and report.result.changed == []

    assert len(store.history(nct_id)) == 2
    stored = store.get(nct_id)
    assert (stored.version, stored.first_seen, stored.last_changed) == (2, T0, T1)
    assert stored.trial.raw == changed


def test_older_and_newer_copies_in_one_batch(store, real_studies):
    a, b, c = real_studies[0], real_studies[1], real_studies[2]
    newer = {n: bumped(s, 10) for n, s in zip("abc", (a, b, c))}
    for s in newer.values():
        s["protocolSection"]["statusModule"]["overallStatus"] = "WITHDRAWN"

    result = store.upsert([trial_from_ctgov(newer["a"]), trial_from_ctgov(a)], now=T0)
    assert (result.added, result.older) == ([nct(a)], 1)
    result = store.upsert([trial_from_ctgov(b), trial_from_ctgov(newer["b"])], now=T0)
    assert result.added == [nct(b)]
    for study in (a, b):
        stored = store.get(nct(study))
        assert stored.version == 1 and stored.trial.overall_status == "WITHDRAWN"

    store.upsert([trial_from_ctgov(c)], now=T0)
    result = store.upsert([trial_from_ctgov(newer["c"]), trial_from_ctgov(c)], now=T1)
    assert (result.changed, result.older) == ([nct(c)], 1)
    stored = store.get(nct(c))
    assert (stored.version, stored.trial.overall_status) == (2, "WITHDRAWN")


def test_two_changes_in_one_batch_make_two_versions(store, recruiting):
    nct_id = nct(recruiting)
    store.upsert([trial_from_ctgov(recruiting)], now=T0)
    second, third = bumped(recruiting, 1), bumped(recruiting, 2)
    second["protocolSection"]["statusModule"]["overallStatus"] = "ACTIVE_NOT_RECRUITING"
    third["protocolSection"]["statusModule"]["overallStatus"] = "COMPLETED"
    result = store.upsert([trial_from_ctgov(second), trial_from_ctgov(third)], now=T1)
    assert result.changed == [nct_id]
    statuses = [[(c["before"], c["after"]) for c in v.changes if c["field"] == "overall_status"]
                for v in store.history(nct_id)]
    assert statuses == [[], [("RECRUITING", "ACTIVE_NOT_RECRUITING")], [("ACTIVE_NOT_RECRUITING", "COMPLETED")]]
    assert store.get(nct_id).trial.raw == third


def test_dates_are_kept_as_instants_whatever_the_time_zone(store, real_studies):
    paris = timezone(timedelta(hours=2))
    when = datetime(2025, 6, 1, 14, 0, tzinfo=paris)
    store.upsert([trial_from_ctgov(real_studies[0])], now=when)
    stored = store.get(nct(real_studies[0]))
    assert stored.first_seen == when and stored.last_changed == when
    assert stored.first_seen.utcoffset() == timedelta(0)
    assert store.history(nct(real_studies[0]))[0].recorded_at == when


def test_an_unknown_id_has_no_trial_and_no_history(store):
    assert store.get("NCT99999999") is None
    assert store.history("NCT99999999") == []
