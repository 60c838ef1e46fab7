"""Making the documents of many stored trials: read, derive and encode, in worker processes when worth it.

A rebuild (``trialscout index rebuild``, the first import, an upgrade) makes the documents of every
stored trial. Per trial that is Python work (reading the record's JSON, :func:`.records.indexed_trial`,
:func:`.documents.index_documents`, :func:`.index.to_json`), while tantivy indexes on its own threads
without the GIL. So with ``workers`` > 1, forked processes make the documents of chunks of
:data:`CHUNK` consecutive trials (a range of ids, read through their own connection) and this process
only hands the encoded documents to tantivy, in id order: reading, deriving and indexing overlap and
every core is busy. At most :data:`AHEAD` chunks per worker wait to be written (bounded memory).

The pool is started (forked) before the index writer exists, so no tantivy thread is copied into a
worker. Errors behave as in one process: a worker's exception is raised here; a worker that dies
(killed, out of memory) makes this process make the remaining chunks itself.
"""

from __future__ import annotations

import logging
import multiprocessing
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from types import TracebackType

import orjson
import sqlalchemy as sa

from ..store import TrialStore
from ..store.schema import trials as trials_table
from ..store.workers import worker_count
from .documents import index_documents
from .geo import Gazetteer, default_gazetteer
from .index import EncodedBatch, to_json
from .records import indexed_trial
from .vocabulary import default_vocabulary

log = logging.getLogger(__name__)

Progress = Callable[[int], None]
#: Trials per chunk a worker makes at a time (~1–2 MB of encoded documents).
CHUNK = 250
#: Chunks per worker made ahead of the writer.
AHEAD = 3


def encoded_documents(store: TrialStore, first: str | None = None, last: str | None = None,
                      gazetteer: Gazetteer | None = None) -> EncodedBatch:
    """The encoded documents of the stored trials from ``first`` to ``last`` (ids; all when both are None)."""
    gazetteer = gazetteer or default_gazetteer()
    encoded: list[str] = []
    count = 0
    for _, digest, record in store.iter_records(first=first, last=last):
        encoded.extend(to_json(fields) for fields in index_documents(indexed_trial(orjson.loads(record)), digest,
                                                                     gazetteer))
        count += 1
    return count, encoded


#: Inherited by the forked workers: the store's URL; then each worker's own store.
_STORE_URL: str | None = None
_OWN_STORE: TrialStore | None = None


def _make_chunk(first: str, last: str) -> EncodedBatch:
    global _OWN_STORE
    if _OWN_STORE is None:
        assert _STORE_URL is not None, "search.build: a worker started without the store's URL"
        _OWN_STORE = TrialStore(_STORE_URL)
    return encoded_documents(_OWN_STORE, first, last)


def _ranges(store: TrialStore, size: int) -> tuple[list[tuple[str, str]], int]:
    """The stored ids in chunks of ``size``, as (first, last) ranges; and how many ids."""
    with store.engine.connect() as conn:
        ids = list(conn.execute(sa.select(trials_table.c.nct_id).order_by(trials_table.c.nct_id)).scalars())
    return [(ids[start], ids[min(start + size, len(ids)) - 1]) for start in range(0, len(ids), size)], len(ids)


class DocumentMaker:
    """The encoded documents of every stored trial, in id order, made by ``workers`` processes (1: here).

    Use as a context manager, entered before the index writer is opened (the workers are forked then)::

        with DocumentMaker(store, workers) as maker:
            index.replace_all(maker.batches(progress))
    """

    def __init__(self, store: TrialStore, workers: int = 1, chunk: int = CHUNK) -> None:
        self.store = store
        self.chunks, trials = _ranges(store, chunk)
        self.workers = worker_count(workers, trials, store)
        self._pool: ProcessPoolExecutor | None = None
        self._pending: deque[tuple[tuple[str, str], Future[EncodedBatch]]] = deque()
        self._next = 0

    def __enter__(self) -> "DocumentMaker":
        global _STORE_URL
        if self.workers > 1:
            default_gazetteer(), default_vocabulary()  # loaded once here, shared with the forked workers
            _STORE_URL = self.store.url
            self._pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("fork"))
            log.info("index documents: %d chunks in %d worker processes", len(self.chunks), self.workers)
            self._submit(self.workers * AHEAD)  # forks the workers now
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        global _STORE_URL
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        _STORE_URL = None

    def _submit(self, count: int) -> None:
        assert self._pool is not None
        while count > 0 and self._next < len(self.chunks):
            chunk = self.chunks[self._next]
            self._pending.append((chunk, self._pool.submit(_make_chunk, *chunk)))
            self._next += 1
            count -= 1

    def batches(self, progress: Progress | None = None) -> Iterator[EncodedBatch]:
        """Each chunk's trials and documents, in id order."""
        if self._pool is None:
            for first, last in self.chunks:
                yield self._done(encoded_documents(self.store, first, last), progress)
            return
        while self._pending:
            chunk, future = self._pending.popleft()
            try:
                made = future.result()
            except BrokenProcessPool:
                log.warning("index documents: a worker process stopped; making the rest in this process")
                yield from self._rest_here(chunk, progress)
                return
            self._submit(1)
            yield self._done(made, progress)

    def _rest_here(self, chunk: tuple[str, str], progress: Progress | None) -> Iterator[EncodedBatch]:
        rest = [chunk] + [c for c, _ in self._pending] + self.chunks[self._next:]
        self._pending.clear()
        self._next = len(self.chunks)
        for first, last in rest:
            yield self._done(encoded_documents(self.store, first, last), progress)

    @staticmethod
    def _done(made: EncodedBatch, progress: Progress | None) -> EncodedBatch:
        if progress:
            progress(made[0])
        return made
