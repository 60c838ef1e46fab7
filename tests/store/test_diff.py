"""Field-level diffs between two versions of a real trial (a pure function, no database)."""

from __future__ import annotations

import copy
from collections import Counter

from trialscout.store import diff_trials
from trialscout.trial import trial_from_ctgov


def sites(study: dict) -> list[dict]:
    return study["protocolSection"].get("contactsLocationsModule", {}).get("locations", [])


def name_key(site: dict) -> tuple:
    return tuple(site.get(k) for k in ("facility", "city", "state", "country"))


def diff(old: dict, new: dict) -> list[dict]:
    return [c.to_dict() for c in diff_trials(trial_from_ctgov(old), trial_from_ctgov(new))]


def test_the_same_record_has_no_changes(real_studies):
    for study in real_studies[:50]:
        assert diff(study, copy.deepcopy(study)) == []


def test_a_status_change_at_one_of_several_sites_with_the_same_name(real_studies):
    # Real records list many sites called "Research Site" in one city, told apart by zip code.
    def fits(study: dict) -> bool:
        named = Counter(name_key(s) for s in sites(study))
        return any(n > 1 and key[0] for key, n in named.items()) and any(s.get("zip") for s in sites(study))
    chosen = [s for s in real_studies if fits(s)]
    assert chosen
    for study in chosen:
        named = Counter(name_key(s) for s in sites(study))
        shared = [i for i, site in enumerate(sites(study)) if named[name_key(site)] > 1]
        for i in (shared[0], shared[-1]):  # the first and the last of the sites sharing a name
            site = sites(study)[i]
            changed = copy.deepcopy(study)
            target = sites(changed)[i]
            target["status"] = "SUSPENDED" if site.get("status") != "SUSPENDED" else "RECRUITING"
            changes = diff(study, changed)
            nct_id = study["protocolSection"]["identificationModule"]["nctId"]
            assert [(c["field"], c.get("before"), c.get("after")) for c in changes] == [
                ("site_status", site.get("status"), target["status"])], (nct_id, i)


def test_a_site_listed_twice_added_and_removed(real_studies):
    study = next(s for s in real_studies if len(sites(s)) >= 2)
    twice = copy.deepcopy(study)
    sites(twice).append(copy.deepcopy(sites(twice)[0]))
    added = diff(study, twice)
    assert [(c["field"], c["kind"]) for c in added] == [("site", "added")]
    removed = diff(twice, study)
    assert [(c["field"], c["kind"]) for c in removed] == [("site", "removed")]


def test_list_fields_report_what_came_and_went(real_studies):
    study = next(s for s in real_studies if len(s["protocolSection"]["conditionsModule"]["conditions"]) >= 2)
    changed = copy.deepcopy(study)
    conditions = changed["protocolSection"]["conditionsModule"]["conditions"]
    gone = conditions.pop(0)
    conditions.append("Long COVID")
    assert diff(study, changed) == [
        {"field": "condition", "kind": "removed", "before": gone},
        {"field": "condition", "kind": "added", "after": "Long COVID"},
    ]
