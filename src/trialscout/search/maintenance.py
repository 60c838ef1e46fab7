"""Keep the index in step with the store: rebuild it, update changed trials, catch up after a gap.

:func:`refresh_index` is the derive step listed in ``services.DERIVERS``: after an import or sync it
gets the ids that were added or changed (``None`` means all) and re-indexes them. Each document records
the hash of the record it came from, so :func:`catch_up` can find trials the index has missed (for
example when the index folder was deleted, or a sync ran while the index could not be written).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
import sqlalchemy as sa

from ..config import Settings
from ..heap import long_run
from ..store import TrialStore
from ..store.schema import trials as trials_table
from .build import DocumentMaker
from .documents import index_documents
from .geo import Gazetteer, default_gazetteer
from .index import REBUILD_THREADS, SearchIndex, remove_old_versions
from .records import indexed_trial

Progress = Callable[[int], None]


@dataclass(frozen=True)
class IndexStatus:
    path: str
    documents: int
    trials: int
    stale: int
    updated_at: str | None

    @property
    def current(self) -> bool:
        return self.stale == 0 and self.documents == self.trials

    def to_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "current": self.current}


def documents(store: TrialStore, ids: Sequence[str] | None = None, gazetteer: Gazetteer | None = None,
              progress: Progress | None = None) -> Iterator[list[dict[str, list[Any]]]]:
    """Index documents for the stored trials (all, or ``ids``): per trial, its document and its sites'.
    Records are read for what the index needs only (:func:`.records.indexed_trial`), not as whole Trials."""
    gazetteer = gazetteer or default_gazetteer()
    for _, digest, record in store.iter_records(ids):
        yield index_documents(indexed_trial(orjson.loads(record)), digest, gazetteer)
        if progress:
            progress(1)


def rebuild(index: SearchIndex, store: TrialStore, progress: Progress | None = None,
            threads: int = REBUILD_THREADS, workers: int = 1) -> int:
    """Index every stored trial anew, in one commit; returns how many. With ``workers`` > 1 the documents
    are made in that many processes while this one writes (:mod:`.build`)."""
    with long_run(), DocumentMaker(store, workers) as maker:  # the heap frozen before the workers are forked
        written = index.replace_all(maker.batches(progress), threads=threads)
    remove_old_versions(index.path.parent)
    return written


def update(index: SearchIndex, store: TrialStore, ids: Sequence[str]) -> int:
    """Re-index ``ids``; ids the store no longer has are removed from the index."""
    ids = list(dict.fromkeys(ids))
    if not ids:
        return 0
    docs = list(documents(store, ids))
    found = {d[0]["id"][0] for d in docs}
    return index.upsert(docs, remove=[i for i in ids if i not in found])


def _store_hashes(store: TrialStore) -> list[tuple[str, str]]:
    with store.engine.connect() as conn:
        return [(r[0], r[1]) for r in conn.execute(
            sa.select(trials_table.c.nct_id, trials_table.c.content_hash).order_by(trials_table.c.nct_id))]


def stale_ids(index: SearchIndex, store: TrialStore) -> list[str]:
    """Stored trials the index lacks or holds from an older record."""
    return [nct_id for nct_id, digest in _store_hashes(store) if not index.has(nct_id, digest)]


def catch_up(index: SearchIndex, store: TrialStore, workers: int = 1) -> int:
    """Index what the index has missed: everything if it is empty (in ``workers`` processes), else only stale
    trials."""
    if index.count() == 0:
        return rebuild(index, store, workers=workers) if store.count() else 0
    return update(index, store, stale_ids(index, store))


def status(index: SearchIndex, store: TrialStore) -> IndexStatus:
    updated = index.updated_at()
    return IndexStatus(str(index.path), index.count(), store.count(), len(stale_ids(index, store)),
                       updated.isoformat(timespec="seconds") if updated else None)


def refresh_index(store: TrialStore, settings: Settings, ids: Sequence[str] | None) -> None:
    """The derive step (``services.DERIVERS``): re-index ``ids`` (all when ``None``)."""
    index = SearchIndex.open(settings.index_dir)
    if ids is None or index.count() == 0:  # all, or a new (empty) index: after an upgrade, every trial
        rebuild(index, store, workers=settings.derive_workers)
    else:
        update(index, store, ids)


def ensure_current(index: SearchIndex, store: TrialStore) -> int:
    """A quick check for start-up: when the index does not hold as many trials as the store, catch up.

    (A changed trial the index missed while holding the same count is found by ``trialscout index update``.)"""
    if index.count() == store.count():
        return 0
    return catch_up(index, store)
