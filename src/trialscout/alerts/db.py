"""Small database helpers the alert modules share (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime, timezone
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

T = TypeVar("T")
CHUNK = 500


def chunks(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def utc(value: datetime | None) -> datetime | None:
    """``value`` as an aware UTC datetime (SQLite hands back naive ones)."""
    if value is None:
        return None
    return value.astimezone(timezone.utc) if value.tzinfo else value.replace(tzinfo=timezone.utc)


def now_utc() -> datetime:
    return datetime.now(timezone.utc)


def insert_ignoring_duplicates(conn: sa.Connection, table: sa.Table, rows: list[dict[str, Any]],
                               unique: Sequence[str]) -> int:
    """Insert ``rows``, skipping any whose ``unique`` columns are already held; returns rows inserted."""
    if not rows:
        return 0
    dialect = conn.dialect.name
    module = postgresql if dialect == "postgresql" else sqlite if dialect == "sqlite" else None
    if module is None:  # pragma: no cover - only SQLite and PostgreSQL are supported
        raise RuntimeError(f"unsupported database {dialect}")
    statement = (module.insert(table).on_conflict_do_nothing(index_elements=list(unique))
                 .execution_options(preserve_rowcount=True))  # SQLAlchemy keeps INSERT rowcounts only if asked
    if len(rows) == 1:  # the count is exact: 1 inserted, 0 already held
        return conn.execute(statement, rows[0]).rowcount
    inserted = 0
    for part in chunks(rows):
        # executemany (psycopg pipelines it); should a driver report no count (-1), count the rows offered.
        count = conn.execute(statement, list(part)).rowcount
        inserted += count if count is not None and count >= 0 else len(part)
    return inserted
