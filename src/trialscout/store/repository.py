"""The store: trials with first seen, last changed and a version per real change.

The same code runs on SQLite (the default, one file) and PostgreSQL (by URL). Each call to
:meth:`TrialStore.upsert` is one transaction: a batch lands whole or not at all. A trial's
current record is stored once (``trials.record``); a version row keeps its record only once a
newer version supersedes it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from operator import itemgetter
from typing import Any

import orjson
import sqlalchemy as sa

from ..trial import Trial, trial_from_ctgov
from .derived import DerivedStore
from .diff import Change, diff_trials
from .migrate import upgrade
from .records import PreparedRecord, prepare
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
        seen = set(self.changed)
        self.changed += [i for i in other.changed if i not in seen]
        self.unchanged += other.unchanged
        self.older += other.older


@dataclass
class _Pending:
    """What a batch will write for one trial: its latest record and the versions leading to it."""

    record: PreparedRecord
    new: bool
    versions: list[PreparedRecord] = field(default_factory=list)


def _utc(value: datetime) -> datetime:
    """``value`` in UTC (naive means UTC): SQLite keeps no offset, so every write must be in UTC."""
    return value.astimezone(timezone.utc) if value.tzinfo else value.replace(tzinfo=timezone.utc)


def _dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


def _on_connect(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # 16 KiB pages hold a whole record (about 15 KB of JSON) where 4 KiB ones chain four: a bulk import
    # costs about a sixth less. Only a new database takes it (a no-op on an existing one).
    cursor.execute("PRAGMA page_size=16384")
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


@lru_cache(maxsize=32)
def _compiled_insert(table: sa.Table, keys: tuple[str, ...], dialect: sa.Dialect) -> tuple[str, tuple[str, ...] | None,
                                                                                         list[tuple[str, Any]]]:
    """An INSERT of ``keys`` into ``table`` compiled for ``dialect``: its SQL, the order of its parameters
    (None for a driver taking them by name) and the converters of the columns that need one."""
    compiled = table.insert().compile(dialect=dialect, column_keys=list(keys))
    converters = [(column.key, column.type.dialect_impl(dialect).bind_processor(dialect)) for column in table.c
                  if column.key in keys]
    order = tuple(compiled.positiontup) if compiled.positional else None
    return compiled.string, order, [(key, convert) for key, convert in converters if convert is not None]


def _insert_many(conn: sa.Connection, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    """``conn.execute(table.insert(), rows)`` with the SQL compiled once and the rows handed to the driver
    as they are: SQLAlchemy's own work per row was about a quarter of the store's share of a bulk import."""
    if not rows:
        return
    sql, order, converters = _compiled_insert(table, tuple(rows[0]), conn.dialect)
    for key, convert in converters:
        done: dict[int, Any] = {}  # each value converted once (every row of a batch has the same timestamp)
        for row in rows:
            value = row[key]
            row[key] = done[id(value)] if id(value) in done else done.setdefault(id(value), convert(value))
    if order is None:  # the driver takes parameters by name (psycopg)
        conn.exec_driver_sql(sql, rows)
    else:  # by position (sqlite3)
        conn.exec_driver_sql(sql, [tuple(row[k] for k in order) for row in rows] if len(order) == 1
                             else list(map(itemgetter(*order), rows)))


#: Called inside each upsert's transaction, after its rows are written: ``hook(conn, result, now)``
#: (``result`` is that batch's). What a hook writes commits or rolls back with the batch.
WriteHook = Callable[[sa.Connection, "UpsertResult", datetime], None]


class TrialStore:
    """Trials and their versions in one database."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = create_store_engine(url)
        self.write_hooks: list[WriteHook] = []
        try:
            upgrade(self.engine)
        except sa.exc.OperationalError as exc:
            raise StoreError(f"cannot open the database at {url!r}: {exc.orig}") from None

    def derived(self, kind: str) -> DerivedStore:
        """The derived payloads of ``kind`` (e.g. ``"plain"``, ``"eligibility"``)."""
        return DerivedStore(self.engine, kind)

    def close(self) -> None:
        self.engine.dispose()

    def upsert(self, batch: Sequence[Trial | PreparedRecord], now: datetime | None = None) -> UpsertResult:
        """Store ``batch`` in one transaction: new trials, and a new version only for a real change.

        A copy whose last-update date is not after the one held is ignored (registry dates are
        per day), so re-importing overlapping files never flips between copies.
        """
        now = _utc(now or datetime.now(timezone.utc))
        records = [r if isinstance(r, PreparedRecord) else prepare(r) for r in batch]
        result = UpsertResult()
        with self.engine.begin() as conn:
            held = self._current(conn, list({r.nct_id for r in records}))
            pending: dict[str, _Pending] = {}
            for record in records:
                self._merge(record, held, pending, result)
            self._write(conn, pending, held, now)
            for hook in self.write_hooks:
                hook(conn, result, now)
        return result

    @staticmethod
    def _merge(record: PreparedRecord, held: dict[str, dict[str, Any]], pending: dict[str, _Pending],
               result: UpsertResult) -> None:
        current, known = pending.get(record.nct_id), held.get(record.nct_id)
        if current is not None:
            hash_now, updated_now = current.record.content_hash, current.record.last_update_posted
        elif known is not None:
            hash_now, updated_now = known["hash"], known["updated"]
        else:
            pending[record.nct_id] = _Pending(record, new=True)
            result.added.append(record.nct_id)
            return
        if hash_now == record.content_hash:
            result.unchanged += 1
        elif record.last_update_posted and updated_now and record.last_update_posted <= updated_now:
            result.older += 1
        elif current is None:
            pending[record.nct_id] = _Pending(record, new=False, versions=[record])
            result.changed.append(record.nct_id)
        elif current.new:
            current.record = record
            result.older += 1  # the copy seen first in this batch was the older one
        else:
            current.record = record
            current.versions.append(record)

    def _write(self, conn: sa.Connection, pending: dict[str, _Pending], held: dict[str, dict[str, Any]],
               now: datetime) -> None:
        new_trials, new_versions = [], []
        for nct_id, item in pending.items():
            if item.new:
                new_trials.append({**self._trial_row(item.record, 1, now), "first_seen": now})
                new_versions.append(self._version_row(item.record, 1, now, []))
                continue
            known = held[nct_id]
            version, previous_json = known["version"], known["record"]
            conn.execute(  # the superseded version now keeps its own copy of the record
                trial_versions.update()
                .where(trial_versions.c.nct_id == nct_id, trial_versions.c.version == version)
                .values(record=previous_json)
            )
            previous = self._trial_from_row(previous_json)
            for record in item.versions:
                version += 1
                trial = self._trial_from_row(record.record_json)
                row = self._version_row(record, version, now, diff_trials(previous, trial))
                if record is not item.record:
                    row["record"] = record.record_json
                new_versions.append(row)
                previous = trial
            conn.execute(trials.update().where(trials.c.nct_id == nct_id), self._trial_row(item.record, version, now))
        _insert_many(conn, trials, new_trials)
        _insert_many(conn, trial_versions, new_versions)

    def _current(self, conn: sa.Connection, ids: list[str]) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        for start in range(0, len(ids), 500):
            rows = conn.execute(
                sa.select(trials.c.nct_id, trials.c.content_hash, trials.c.version, trials.c.record,
                          trials.c.last_update_posted).where(trials.c.nct_id.in_(ids[start : start + 500]))
            )
            for nct_id, digest, version, record, updated in rows:
                found[nct_id] = {"hash": digest, "version": version, "record": record, "updated": updated}
        return found

    @staticmethod
    def _trial_from_row(record: str) -> Trial:
        return trial_from_ctgov(orjson.loads(record))

    @staticmethod
    def _trial_row(record: PreparedRecord, version: int, now: datetime) -> dict[str, Any]:
        return {
            "nct_id": record.nct_id,
            "version": version,
            "content_hash": record.content_hash,
            "last_changed": now,
            "title": record.title,
            "overall_status": record.overall_status,
            "last_update_posted": record.last_update_posted,
            "source_format": record.source_format,
            "record": record.record_json,
        }

    @staticmethod
    def _version_row(record: PreparedRecord, version: int, now: datetime, changes: list[Change]) -> dict[str, Any]:
        return {
            "nct_id": record.nct_id,
            "version": version,
            "recorded_at": now,
            "content_hash": record.content_hash,
            "changes": _dumps([c.to_dict() for c in changes]),
            "record": None,  # the current version's record is trials.record
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

    def iter_records(self, ids: Sequence[str] | None = None, *, first: str | None = None, last: str | None = None,
                     batch: int = 500) -> Iterator[tuple[str, str, str]]:
        """``(nct_id, content_hash, record JSON)`` of stored trials in id order: all, those in ``ids``, or those
        from ``first`` to ``last`` (for derived data that reads only part of a record, without its Trial)."""
        query = sa.select(trials.c.nct_id, trials.c.content_hash, trials.c.record).order_by(trials.c.nct_id)
        if first is not None:
            query = query.where(trials.c.nct_id >= first)
        if last is not None:
            query = query.where(trials.c.nct_id <= last)
        with self.engine.connect() as conn:
            if ids is None:
                yield from conn.execute(query.execution_options(yield_per=batch))
                return
            for start in range(0, len(ids), batch):
                yield from conn.execute(query.where(trials.c.nct_id.in_(list(ids[start:start + batch]))))

    def _stream(self, query: sa.Select) -> Iterator[StoredTrial]:
        with self.engine.connect() as conn:
            for row in conn.execute(query):
                yield self._stored(row)
