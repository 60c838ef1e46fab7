"""A trial made ready for the store: the columns it needs and its record serialised once.

Preparing is pure and picklable. An importer prepares a study object with :func:`prepare_study`,
which builds no Trial for a record in plain form (nearly all of them: see
:mod:`trialscout.trial.contract`) and reads any other through :func:`trial_from_ctgov`, so a bad
record is refused with the same message either way.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import orjson

from ..trial import Trial, trial_from_ctgov
from ..trial.contract import RecordSummary, plain_summary


@dataclass(frozen=True)
class PreparedRecord:
    nct_id: str
    content_hash: str
    record_json: str
    title: str
    overall_status: str | None
    last_update_posted: str | None
    source_format: str


def content_hash(record: dict[str, Any]) -> str:
    """A hash of the registry content, ignoring where trialscoutSource says trialscout read it from."""
    return _serialised(record)[0]


def _serialised(record: dict[str, Any]) -> tuple[str, str]:
    """The content hash and the JSON text to store: the record with sorted keys, which is also what is
    hashed when the record has no ``trialscoutSource`` (the usual case: one serialisation, not two)."""
    stored = orjson.dumps(record, option=orjson.OPT_SORT_KEYS)
    if "trialscoutSource" in record:
        content = orjson.dumps({k: v for k, v in record.items() if k != "trialscoutSource"},
                               option=orjson.OPT_SORT_KEYS)
    else:
        content = stored
    return hashlib.sha256(content).hexdigest(), stored.decode()


def prepare(trial: Trial) -> PreparedRecord:
    """The store's view of ``trial``: identity, summary columns, hash and JSON text."""
    return _prepared(RecordSummary.of(trial), *_serialised(trial.raw))


def prepare_study(study: Any) -> PreparedRecord:
    """``prepare(trial_from_ctgov(study))``, without building the Trial of a plain record.

    Raises :class:`~trialscout.trial.InvalidRecord` (naming the field) for a record that cannot be read.
    """
    if isinstance(study, dict):
        try:
            digest, record_json = _serialised(study)
        except orjson.JSONEncodeError:  # not JSON data: the reader says why (or this error comes again)
            pass
        else:
            summary = plain_summary(study, record_json)
            if summary is not None:
                return _prepared(summary, digest, record_json)
    return prepare(trial_from_ctgov(study))


def _prepared(summary: RecordSummary, digest: str, record_json: str) -> PreparedRecord:
    return PreparedRecord(
        nct_id=summary.nct_id,
        content_hash=digest,
        record_json=record_json,
        title=summary.title,
        overall_status=summary.overall_status,
        last_update_posted=summary.last_update_posted,
        source_format=summary.source_format,
    )
