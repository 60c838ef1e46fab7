"""Registry records into the store: map, validate, and write in batches (one transaction each).

A record that cannot be mapped is reported with its source, id and reason and skipped; the
rest of the import goes on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from ..registry.files import SourceRecord
from ..trial import InvalidRecord, record_id_of
from .records import PreparedRecord, prepare_study
from .repository import TrialStore, UpsertResult


@dataclass(frozen=True)
class Rejected:
    """A record that was skipped, and why."""

    source: str
    record_id: str
    reason: str


@dataclass
class IngestReport:
    """Totals of one import or sync."""

    result: UpsertResult = field(default_factory=UpsertResult)
    rejected: list[Rejected] = field(default_factory=list)
    read: int = 0

    def to_dict(self) -> dict:
        return {
            "read": self.read,
            "added": len(self.result.added),
            "changed": len(self.result.changed),
            "unchanged": self.result.unchanged,
            "older": self.result.older,
            "rejected": [r.__dict__ for r in self.rejected],
        }


def prepare_record(record: SourceRecord) -> PreparedRecord | Rejected:
    """Map and validate one record (a pure function: safe to run in a worker process)."""
    if record.error is not None or record.study is None:
        return Rejected(record.source, "?", record.error or "empty record")
    try:
        return prepare_study(record.study)
    except InvalidRecord as exc:
        return Rejected(record.source, exc.record_id, exc.reason)
    except (ValueError, TypeError) as exc:  # pydantic's own checks
        return Rejected(record.source, record_id_of(record.study), str(exc).splitlines()[0])


def ingest(
    records: Iterable[SourceRecord],
    store: TrialStore,
    batch_size: int = 500,
    progress: Callable[[int], None] | None = None,
    now: datetime | None = None,
) -> IngestReport:
    """Map every record and store it; return what was added, changed, unchanged and rejected."""
    report = IngestReport()
    batch: list[PreparedRecord] = []
    for item in map(prepare_record, records):
        report.read += 1
        if isinstance(item, Rejected):
            report.rejected.append(item)
        else:
            batch.append(item)
        if len(batch) >= batch_size:
            report.result.merge(store.upsert(batch, now=now))
            batch = []
        if progress:
            progress(1)
    if batch:
        report.result.merge(store.upsert(batch, now=now))
    return report
