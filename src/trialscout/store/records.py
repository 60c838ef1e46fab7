"""A trial made ready for the store: the columns it needs and its record serialised once.

Preparing is pure and picklable, so bulk imports can prepare records in worker processes
while the main process writes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import orjson

from ..trial import Trial


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
    """A hash of the registry content, ignoring where trialscout read it from."""
    return _digest({k: v for k, v in record.items() if k != "trialscoutSource"})


def _digest(content: dict[str, Any]) -> str:
    return hashlib.sha256(orjson.dumps(content, option=orjson.OPT_SORT_KEYS)).hexdigest()


def prepare(trial: Trial) -> PreparedRecord:
    """The store's view of ``trial``: identity, summary columns, hash and JSON text."""
    return PreparedRecord(
        nct_id=trial.nct_id,
        content_hash=content_hash(trial.raw),
        record_json=orjson.dumps(trial.raw).decode(),
        title=trial.title,
        overall_status=trial.overall_status,
        last_update_posted=trial.last_update_posted.date if trial.last_update_posted else None,
        source_format=trial.source_format,
    )
