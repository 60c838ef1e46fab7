"""The fast import check (trial.contract) never lets through what the reader (trial_from_ctgov) refuses.

Importers store a record the contract calls plain without building its Trial, so for every record the
contract accepts, the reader must accept it too and give the same id, title, status, last update and
source. Checked on every real record, on every part of real records replaced by awkward values, on every
kind of white space at the ends of a text, and under fuzzing.
"""

from __future__ import annotations

import sys
from typing import Any

import pytest
import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from trialscout.trial import InvalidRecord, trial_from_ctgov
from trialscout.trial.contract import RecordSummary, plain_summary

PS = "protocolSection"

#: Values that are wrong, empty, padded, too long or unusual somewhere in a record.
AWKWARD: list[Any] = [
    None, "", "  ", " padded ", "A\x00B", "\u00a0x", "x\x1c", "x" * 100_001, 7, -1, 1.5, 2**70, True, [], {},
    ["x"], [""], [{}], [None], {"date": "2024-01"}, "N/A", "18 Years", "eighteen", "2024-13", "RECRUITING",
    "PHASE5", "NCT01234567",
]


def summary_of(study: Any) -> RecordSummary | None:
    """What an importer gets from the contract (None when it leaves the record to the reader)."""
    try:
        record_json = orjson.dumps(study).decode()
    except orjson.JSONEncodeError:
        return None
    return plain_summary(study, record_json) if isinstance(study, dict) else None


def check(study: Any) -> None:
    """If the contract calls ``study`` plain, the reader reads it and gives the same summary."""
    summary = summary_of(study)
    if summary is None:
        return
    try:
        trial = trial_from_ctgov(study)
    except InvalidRecord as exc:  # pragma: no cover - the failure this test exists for
        pytest.fail(f"the contract let through a record the reader refuses: {exc}")
    assert RecordSummary.of(trial) == summary


def put(study: Any, path: tuple, value: Any) -> Any:
    """``study`` with ``value`` at ``path``, copying only the containers along the path."""
    if not path:
        return value
    head, rest = path[0], path[1:]
    copy = list(study) if isinstance(study, list) else dict(study)
    copy[head] = put(study[head], rest, value)
    return copy


def paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    """Every path in a JSON value, following only the first item of each list."""
    found = []
    items = node.items() if isinstance(node, dict) else enumerate(node[:1]) if isinstance(node, list) else []
    for key, child in items:
        found.append(prefix + (key,))
        found += paths(child, prefix + (key,))
    return found


def read_parts(path: tuple) -> bool:
    """Paths into the parts of a record the reader reads (results and documents are not)."""
    return path[0] in (PS, "hasResults", "trialscoutSource") or path[:2] in (
        ("derivedSection", "conditionBrowseModule"), ("derivedSection", "interventionBrowseModule"))


@pytest.fixture(scope="module")
def shapes(real_records) -> list[dict]:
    """Real records with different sets of modules (every module the reader reads appears in one)."""
    chosen: dict[frozenset, dict] = {}
    for _, study in real_records:
        chosen.setdefault(frozenset(study[PS]) | frozenset(study.get("derivedSection", {})), study)
    return list(chosen.values())[:8]


def test_every_real_record_is_plain_and_summarised_as_its_trial(real_records):
    for _, study in real_records:
        summary = summary_of(study)
        assert summary is not None, study[PS]["identificationModule"]["nctId"]
        assert summary == RecordSummary.of(trial_from_ctgov(study))


def test_a_bad_record_is_never_plain(real_records):
    study = real_records[0][1]
    assert summary_of(put(study, (PS, "statusModule", "overallStatus"), "RECRUITNG")) is None
    assert summary_of(put(study, (PS, "identificationModule", "nctId"), "NCT123")) is None
    assert summary_of(put(study, (PS, "descriptionModule", "briefSummary"), "x" * 100_001)) is None
    with pytest.raises(InvalidRecord, match="overallStatus"):
        trial_from_ctgov(put(study, (PS, "statusModule", "overallStatus"), "RECRUITNG"))


def test_every_part_of_real_records_replaced_by_awkward_values(shapes):
    checked = 0
    for study in shapes:
        for path in filter(read_parts, paths(study)):
            for value in AWKWARD:
                check(put(study, path, value))
                checked += 1
    assert checked > 10_000


@pytest.mark.parametrize("where", ["start", "end"])
def test_every_kind_of_white_space_at_the_ends_of_a_text(real_records, where):
    study = real_records[0][1]
    spaces = [chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace() or c < 0x20 or 0x7F <= c <= 0x9F]
    for space in spaces:
        title = space + "A title" if where == "start" else "A title" + space
        check(put(study, (PS, "identificationModule", "briefTitle"), title))
        check(put(study, (PS, "conditionsModule", "conditions"), [title]))


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_fuzz_real_records_with_one_part_replaced(shapes, data):
    study = data.draw(st.sampled_from(shapes))
    path = data.draw(st.sampled_from([p for p in paths(study) if read_parts(p)]))
    check(put(study, path, data.draw(json_values)))


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from([PS, "derivedSection", "hasResults", "trialscoutSource"]), json_values))
def test_fuzz_arbitrary_sections(study):
    check(study)
