"""Who can join reads the criteria the eligibility check reads, and reads clearly.

The derive step runs the eligibility parse first and the plain page takes its criteria items
from the stored parse, so the page and the check list the same items; a parse that is stale
or missing is never used (the text is split again). The lists a reader sees are short and say
each thing once.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone

import orjson
import pytest

from trialscout.eligibility.derive import payload_for
from trialscout.plain import TemplateWriter, explain_trial
from trialscout.plain.derive import stored_criteria
from trialscout.plain.joining import MAX_CANNOT, criteria_items
from trialscout.services import DERIVERS
from trialscout.store import StoredTrial

NOW = datetime(2026, 11, 21, tzinfo=timezone.utc)


def _stored_payload(trial, content_hash: str = "h1") -> dict:
    stored = StoredTrial(trial=trial, version=1, first_seen=NOW, last_changed=NOW, content_hash=content_hash)
    return orjson.loads(orjson.dumps(payload_for(stored)))  # as the store gives it back


@pytest.fixture(scope="module")
def sample(demo_trials, seeds):
    with_text = [t for t in demo_trials if t.eligibility.criteria]
    return list(seeds.values()) + with_text[::40]


def test_the_eligibility_parse_is_stored_before_the_plain_page_is_written():
    assert DERIVERS.index("trialscout.eligibility.derive:derive_eligibility") < DERIVERS.index(
        "trialscout.plain.derive:derive_plain")


def test_the_page_built_from_the_stored_parse_is_the_page_built_from_the_text(sample, res):
    base = TemplateWriter(res)
    for trial in sample:
        items = stored_criteria(_stored_payload(trial), "h1")
        if trial.eligibility.criteria:
            assert items == criteria_items(trial.eligibility.criteria, res.templates), trial.nct_id
        from_parse = explain_trial(trial, res, base=base, criteria=items).to_payload()
        from_text = explain_trial(trial, res, base=base).to_payload()
        assert from_parse == from_text, trial.nct_id


def test_a_stale_failed_or_foreign_parse_is_not_used(seeds):
    trial = seeds["NCT05106972"]
    payload = _stored_payload(trial)
    assert stored_criteria(payload, "h1")
    assert stored_criteria(payload, "another version of the record") is None
    assert stored_criteria({"record_hash": "h1", "error": "could not be read"}, "h1") is None
    assert stored_criteria({"record_hash": "h1", "parse": {"criteria": [{"text": 3}]}}, "h1") is None
    assert stored_criteria(None, "h1") is None


_ARTICLE_AFTER_DETERMINER = re.compile(r"\b(?:the|no|any|serious|a|an)\s+an?\s", re.IGNORECASE)


def test_who_cannot_join_is_short_and_says_each_thing_once(demo_trials, res):
    base = TemplateWriter(res)
    for trial in demo_trials:
        who = explain_trial(trial, res, base=base).draft.who
        assert len(who.cannot) <= MAX_CANNOT, trial.nct_id
        for lines in (who.needs, who.cannot):
            for n, line in enumerate(lines):
                words = set(re.findall(r"\w+", line.lower()))
                assert not any(words <= set(re.findall(r"\w+", e.lower())) for e in lines[:n]), (trial.nct_id, line)
                assert not _ARTICLE_AFTER_DETERMINER.search(line), (trial.nct_id, line)
