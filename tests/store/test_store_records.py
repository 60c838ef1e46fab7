"""Preparing a record for the store: the fast way (no Trial built for a plain record) gives exactly what
the reader's way gives, the content hash keeps its definition (hashes already in users' stores stay
valid), and a bad record is refused with the reader's message."""

from __future__ import annotations

import copy
import hashlib

import orjson
import pytest

from trialscout.store.records import content_hash, prepare, prepare_study
from trialscout.trial import InvalidRecord, trial_from_ctgov

PS = "protocolSection"


def test_the_fast_way_prepares_every_real_record_as_the_reader_would(real_studies):
    for study in real_studies:
        assert prepare_study(study) == prepare(trial_from_ctgov(study))


def test_records_the_contract_leaves_to_the_reader_are_prepared_the_same(real_studies):
    study = copy.deepcopy(real_studies[0])
    ident = study[PS]["identificationModule"]
    ident["briefTitle"] = "  A title with spaces around it  "
    ident["officialTitle"] = None
    study["trialscoutSource"] = {"format": "seed-transcription", "note": "typed in"}
    prepared = prepare_study(study)
    assert prepared == prepare(trial_from_ctgov(study))
    assert prepared.title == "A title with spaces around it"
    assert prepared.source_format == "seed-transcription"


@pytest.mark.parametrize("path, value, field", [
    ("statusModule.overallStatus", "RECRUITNG", "overallStatus"),
    ("identificationModule.briefTitle", "A\x00B", "briefTitle"),
    ("designModule.enrollmentInfo", {"count": "many"}, "count"),
])
def test_a_bad_record_is_refused_with_the_readers_message(real_studies, path, value, field):
    study = copy.deepcopy(real_studies[1])
    module, key = path.rsplit(".", 1)
    node = study[PS]
    for part in module.split("."):
        node = node.setdefault(part, {})
    node[key] = value
    with pytest.raises(InvalidRecord) as caught:
        prepare_study(study)
    assert field in caught.value.reason
    assert caught.value.record_id == study[PS]["identificationModule"]["nctId"]


def test_the_content_hash_keeps_its_definition(real_studies):
    """SHA-256 of the record's JSON with sorted keys, without trialscoutSource: stores hold these."""
    tiny = {"protocolSection": {"identificationModule": {"nctId": "NCT01234567", "briefTitle": "Étude"}},
            "hasResults": False, "trialscoutSource": {"format": "jsonl"}}
    # = sha256(b'{"hasResults":false,"protocolSection":{"identificationModule":{"briefTitle":"Étude",...}}}')
    assert content_hash(tiny) == "79e8b82fa49d18cd46fdef242c2a6d338220674f7b25de2d277a67b4456891d7"
    for study in real_studies[:50]:
        content = {k: v for k, v in study.items() if k != "trialscoutSource"}
        expected = hashlib.sha256(orjson.dumps(content, option=orjson.OPT_SORT_KEYS)).hexdigest()
        assert prepare_study(study).content_hash == expected


def test_the_stored_json_is_the_whole_record(real_studies):
    study = {**real_studies[2], "trialscoutSource": {"format": "jsonl", "file": "a.jsonl"}}
    prepared = prepare_study(study)
    assert orjson.loads(prepared.record_json) == study
    assert prepared.content_hash == content_hash(real_studies[2])  # where it was read from is not content
