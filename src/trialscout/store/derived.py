"""Derived data kept beside each trial: written by the derive step, read by pages and the API."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime, timezone
from typing import Any, TypeVar

import orjson
import sqlalchemy as sa

from .schema import derived, trials

T = TypeVar("T")


def in_batches(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """``items`` in lists of ``size`` (the last may be shorter): how a derive step writes a run."""
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


class DerivedStore:
    """Per-trial derived payloads of one ``kind`` (JSON), each tagged with its source record hash."""

    def __init__(self, engine: sa.Engine, kind: str) -> None:
        self.engine = engine
        self.kind = kind

    def put(self, rows: Iterable[tuple[str, str, Any]]) -> int:
        """Replace the payloads for ``(nct_id, source_hash, payload)`` rows in one transaction."""
        now = datetime.now(timezone.utc)
        values = [
            {"nct_id": nct_id, "kind": self.kind, "source_hash": digest,
             "payload": orjson.dumps(payload).decode(), "updated_at": now}
            for nct_id, digest, payload in rows
        ]
        if not values:
            return 0
        with self.engine.begin() as conn:
            ids = [v["nct_id"] for v in values]
            for start in range(0, len(ids), 500):
                conn.execute(derived.delete().where(
                    derived.c.kind == self.kind, derived.c.nct_id.in_(ids[start:start + 500])))
            conn.execute(derived.insert(), values)
        return len(values)

    def get(self, nct_id: str) -> Any | None:
        with self.engine.connect() as conn:
            payload = conn.execute(
                sa.select(derived.c.payload).where(derived.c.kind == self.kind, derived.c.nct_id == nct_id)
            ).scalar_one_or_none()
        return None if payload is None else orjson.loads(payload)

    def get_many(self, ids: Sequence[str]) -> dict[str, Any]:
        found: dict[str, Any] = {}
        with self.engine.connect() as conn:
            for start in range(0, len(ids), 500):
                rows = conn.execute(sa.select(derived.c.nct_id, derived.c.payload).where(
                    derived.c.kind == self.kind, derived.c.nct_id.in_(list(ids[start:start + 500]))))
                found.update({nct_id: orjson.loads(payload) for nct_id, payload in rows})
        return found

    def stale_ids(self) -> list[str]:
        """Trials whose payload is missing or was derived from an older record."""
        joined = trials.outerjoin(derived, sa.and_(derived.c.nct_id == trials.c.nct_id, derived.c.kind == self.kind))
        query = sa.select(trials.c.nct_id).select_from(joined).where(
            sa.or_(derived.c.source_hash.is_(None), derived.c.source_hash != trials.c.content_hash))
        with self.engine.connect() as conn:
            return [r[0] for r in conn.execute(query.order_by(trials.c.nct_id))]
