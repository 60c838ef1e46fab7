"""The store: trials with first seen, last changed and a version per real change.

The same code runs on SQLite (the default, one file) and PostgreSQL (by URL). Each call to
:meth:`TrialStore.upsert` is one transaction: a batch lands whole or not at all.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import orjson
import sqlalchemy as sa

from ..trial import Trial, trial_from_ctgov
from .derived import DerivedStore
from .diff import Change, diff_trials
from .migrate import upgrade
from .schema import trial_versions, trials


class StoreError(RuntimeError):
    """The database cannot be used; the message says what to check."""


@dataclass(frozen=True)
class StoredTrial:
    """A trial as the store holds it, with trialscout's own dates."""

    trial: Trial
    version: int
    first_seen: datetime
    last_changed: datetime
    content_hash: str = ""


@dataclass(frozen=True)
class Version:
    """One version of a trial and what changed to make it."""

    nct_id: str
    version: int
    recorded_at: datetime
    changes: list[dict[str, Any]]


@dataclass
class UpsertResult:
    """What one batch did: ids added (new), changed (a new version), unchanged, and older copies
    ignored (a record whose last-update date is not after the one already held)."""

    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: int = 0
    older: int = 0

    def merge(self, other: "UpsertResult") -> None:
        self.added += other.added
        self.changed += [i for i in other.changed if i not in set(self.changed)]
        self.unchanged += other.unchanged
        self.older += other.older


def content_hash(record: dict[str, Any]) -> str:
    """A hash of the registry content, ignoring where trialscout read it from."""
    content = {k: v for k, v in record.items() if k != "trialscoutSource"}
    return hashlib.sha256(orjson.dumps(content, option=orjson.OPT_SORT_KEYS)).hexdigest()


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def _dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


def _on_connect(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def create_store_engine(url: str) -> sa.Engine:
    """An engine for ``url`` with SQLite tuned for one writer and many readers."""
    try:
        engine = sa.create_engine(url)
    except (sa.exc.ArgumentError, ImportError) as exc:
        raise StoreError(f"cannot use database URL {url!r}: {exc}") from None
    if engine.dialect.name == "sqlite":
        sa.event.listen(engine, "connect", _on_connect)
    return engine


class TrialStore:
    """Trials and their versions in one database."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = create_store_engine(url)
        try:
            upgrade(self.engine)
        except sa.exc.OperationalError as exc:
            raise StoreError(f"cannot open the database at {url!r}: {exc.orig}") from None

    def derived(self, kind: str) -> "DerivedStore":
        """The derived payloads of ``kind`` (e.g. ``"plain"``, ``"eligibility"``)."""
        return DerivedStore(self.engine, kind)

    def close(self) -> None:
        self.engine.dispose()

    def upsert(self, batch: Sequence[Trial], now: datetime | None = None) -> UpsertResult:
        """Store ``batch`` in one transaction: new trials, new versions for real changes only."""
        now = _utc(now or datetime.now(timezone.utc))
        result = UpsertResult()
        latest: dict[str, Trial] = {}
        for trial in batch:
            latest[trial.nct_id] = trial
        with self.engine.begin() as conn:
            current = self._current(conn, list(latest))
            new_rows, new_versions = [], []
            for trial in batch:
                digest = content_hash(trial.raw)
                row = current.get(trial.nct_id)
                updated = trial.last_update_posted.date if trial.last_update_posted else None
                if row is None:
                    current[trial.nct_id] = {"hash": digest, "version": 1, "trial": trial, "new": True,
                                             "updated": updated}
                    result.added.append(trial.nct_id)
                elif row["hash"] == digest:
                    result.unchanged += 1
                elif updated and row["updated"] and updated <= row["updated"]:
                    # A copy no newer than the one we hold (registry dates are per day): keep ours,
                    # so re-importing overlapping files never flips between copies.
                    result.older += 1
                elif row.get("new"):
                    row.update(hash=digest, trial=trial, updated=updated)
                    result.older += 1  # the copy seen first in this batch was the older one
                else:
                    previous = row["trial"] or self._trial_from_row(row["record"])
                    row.update(hash=digest, version=row["version"] + 1, trial=trial, updated=updated, changed=True)
                    new_versions.append(self._version_row(trial, row["version"], now, digest,
                                                          diff_trials(previous, trial)))
                    if trial.nct_id not in result.changed:
                        result.changed.append(trial.nct_id)
            for nct_id, row in current.items():
                trial = row["trial"]
                if row.get("new"):
                    new_rows.append(self._trial_row(trial, 1, row["hash"], now, first_seen=now))
                    new_versions.append(self._version_row(trial, 1, now, row["hash"], []))
                elif row.get("changed"):
                    conn.execute(
                        trials.update().where(trials.c.nct_id == nct_id),
                        self._trial_row(trial, row["version"], row["hash"], now),
                    )
            if new_rows:
                conn.execute(trials.insert(), new_rows)
            if new_versions:
                conn.execute(trial_versions.insert(), new_versions)
        return result

    def _current(self, conn: sa.Connection, ids: list[str]) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            rows = conn.execute(
                sa.select(trials.c.nct_id, trials.c.content_hash, trials.c.version, trials.c.record,
                          trials.c.last_update_posted).where(trials.c.nct_id.in_(chunk))
            )
            for nct_id, digest, version, record, updated in rows:
                found[nct_id] = {"hash": digest, "version": version, "record": record, "trial": None,
                                 "updated": updated}
        return found

    @staticmethod
    def _trial_from_row(record: str) -> Trial:
        return trial_from_ctgov(orjson.loads(record))

    @staticmethod
    def _trial_row(trial: Trial, version: int, digest: str, now: datetime, first_seen: datetime | None = None) -> dict:
        row = {
            "nct_id": trial.nct_id,
            "version": version,
            "content_hash": digest,
            "last_changed": now,
            "title": trial.title,
            "overall_status": trial.overall_status,
            "last_update_posted": trial.last_update_posted.date if trial.last_update_posted else None,
            "source_format": trial.source_format,
            "record": _dumps(trial.raw),
        }
        if first_seen is not None:
            row["first_seen"] = first_seen
        return row

    @staticmethod
    def _version_row(trial: Trial, version: int, now: datetime, digest: str, changes: list[Change]) -> dict:
        return {
            "nct_id": trial.nct_id,
            "version": version,
            "recorded_at": now,
            "content_hash": digest,
            "changes": _dumps([c.to_dict() for c in changes]),
            "record": _dumps(trial.raw),
        }

    def get(self, nct_id: str) -> StoredTrial | None:
        """The trial with ``nct_id`` and its dates, or ``None``."""
        with self.engine.connect() as conn:
            row = conn.execute(
                self._stored_columns().where(trials.c.nct_id == nct_id)
            ).first()
        return None if row is None else self._stored(row)

    @staticmethod
    def _stored_columns() -> sa.Select:
        return sa.select(trials.c.record, trials.c.version, trials.c.first_seen, trials.c.last_changed,
                         trials.c.content_hash)

    def _stored(self, row: Any) -> StoredTrial:
        return StoredTrial(self._trial_from_row(row.record), row.version, _utc(row.first_seen),
                           _utc(row.last_changed), row.content_hash)

    def history(self, nct_id: str) -> list[Version]:
        """Every version of a trial, oldest first."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(trial_versions.c.version, trial_versions.c.recorded_at, trial_versions.c.changes)
                .where(trial_versions.c.nct_id == nct_id)
                .order_by(trial_versions.c.version)
            ).all()
        return [Version(nct_id, r.version, _utc(r.recorded_at), orjson.loads(r.changes)) for r in rows]

    def count(self) -> int:
        with self.engine.connect() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(trials)).scalar_one()

    def version_count(self) -> int:
        with self.engine.connect() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(trial_versions)).scalar_one()

    def summaries(self, limit: int = 50, offset: int = 0) -> list[dict[str, Any]]:
        """Id, title, status and dates of trials, most recently changed first."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(trials.c.nct_id, trials.c.title, trials.c.overall_status, trials.c.last_changed,
                          trials.c.last_update_posted)
                .order_by(trials.c.last_changed.desc(), trials.c.nct_id)
                .limit(limit)
                .offset(offset)
            ).all()
        return [dict(r._mapping) for r in rows]

    def iter_trials(self, ids: Sequence[str] | None = None, batch: int = 500) -> Iterator[StoredTrial]:
        """Every stored trial (or those in ``ids``), streamed in batches."""
        query = self._stored_columns().order_by(trials.c.nct_id)
        if ids is not None:
            for start in range(0, len(ids), batch):
                yield from self._stream(query.where(trials.c.nct_id.in_(list(ids[start : start + batch]))))
            return
        yield from self._stream(query.execution_options(yield_per=batch))

    def _stream(self, query: sa.Select) -> Iterator[StoredTrial]:
        with self.engine.connect() as conn:
            for row in conn.execute(query):
                yield self._stored(row)
