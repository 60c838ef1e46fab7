"""A large derive run computed in worker processes; the caller alone writes.

A derive step over many trials (a first import, ``trialscout derive``) may spread its work over
``settings.derive_workers`` forked processes, in chunks of :data:`CHUNK` trial ids. Each worker
reads its trials (and whatever else the step reads) through its own connection and computes
their payloads; it writes nothing. The parent writes them batch by batch, in order, so the store
holds exactly what one process would have written. Small runs (an incremental sync, the tests),
an in-memory database, platforms without ``fork`` and runs started from a thread other than the
main one (the server's scheduled sync) stay in one process; so does a step that says it cannot
run in workers (``allowed=False``: the plain step with the LLM writer).

Failures behave as in one process: a worker that fails on a chunk makes the parent compute that
chunk itself, which raises the very error one process raises (the batches before it are written,
that one is not); a worker that dies (killed, out of memory) makes the parent finish its chunks.

Used by ``plain.derive`` (through ``plain.workers``) and ``eligibility.derive``.
"""

from __future__ import annotations

import logging
import multiprocessing
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from ..config import ConfigError
from .repository import StoredTrial, TrialStore
from .schema import trials

log = logging.getLogger(__name__)

#: Trial ids per task sent to a worker (at most; tasks shrink towards the end of a run, see ``_chunks``).
CHUNK = 50
#: The smallest task: near the end of a run, tasks get smaller so the workers finish together.
MIN_CHUNK = 10
#: Fewest trials in one derive run worth starting worker processes for.
MIN_TRIALS = 400

Row = tuple[str, str, Any]  # (nct_id, source hash, payload), as ``DerivedStore.put`` takes them
ComputeBatch = Callable[[TrialStore, list[StoredTrial]], list[Row]]


class WorkerFailed(RuntimeError):
    """A worker failed on a chunk that the parent then computed without error."""


@dataclass(frozen=True)
class _Failure:
    error: str


#: Inherited by the forked workers: the store URL and the function that computes a batch.
_STATE: tuple[str, ComputeBatch] | None = None
#: A worker's own store (its own connections; never the parent's).
_OWN_STORE: TrialStore | None = None


def worker_count(settings_workers: int, trials_in_run: int, store: TrialStore, allowed: bool = True) -> int:
    """How many processes a run of ``trials_in_run`` trials uses (1: all in this process)."""
    if settings_workers < 1:
        raise ConfigError(f"TRIALSCOUT_DERIVE_WORKERS must be 1 or more, not {settings_workers}")
    url = store.engine.url
    in_memory = url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:")
    # Forking copies only the calling thread; from a background thread (the server's schedule) another
    # thread may hold a lock the child would then wait on for ever, so only the main thread forks.
    forks_safely = ("fork" in multiprocessing.get_all_start_methods()
                    and threading.current_thread() is threading.main_thread())
    if settings_workers == 1 or trials_in_run < MIN_TRIALS or not allowed or in_memory or not forks_safely:
        return 1
    return settings_workers


def _compute_chunk(ids: list[str]) -> list[Row] | _Failure:
    global _OWN_STORE
    assert _STATE is not None, "store.workers: a worker started without the parent's state"
    url, compute = _STATE
    try:
        if _OWN_STORE is None:
            _OWN_STORE = TrialStore(url)
        return compute(_OWN_STORE, list(_OWN_STORE.iter_trials(ids)))
    except Exception as exc:  # the parent redoes the chunk and raises it as one process would
        return _Failure(f"{type(exc).__name__}: {exc}")


def _all_ids(store: TrialStore) -> list[str]:
    with store.engine.connect() as conn:
        return list(conn.execute(sa.select(trials.c.nct_id).order_by(trials.c.nct_id)).scalars())


def derive_in_workers(store: TrialStore, workers: int, ids: Sequence[str] | None, batch_size: int,
                      compute: ComputeBatch, write: Callable[[list[Row]], object], *, what: str = "derived payloads",
                      logger: logging.Logger = log, failed: type[WorkerFailed] = WorkerFailed) -> None:
    """Compute ``ids`` (all when None) in ``workers`` processes; ``write`` each batch here, in order.

    ``what`` names the payloads in log lines ("plain pages"), which go to ``logger``; a chunk that
    failed in a worker but not here raises ``failed``.
    """
    global _STATE
    wanted = _all_ids(store) if ids is None else list(ids)
    batches = [_chunks(wanted, start, min(start + batch_size, len(wanted)), workers)
               for start in range(0, len(wanted), batch_size)]
    _STATE = (store.url, compute)
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"))
    logger.info("%s: %d trials in %d worker processes", what, len(wanted), workers)
    warned: list[bool] = []
    try:
        futures = [[pool.submit(_compute_chunk, chunk) for chunk in batch] for batch in batches]
        for batch, pending in zip(batches, futures):
            rows: list[Row] = []
            for chunk, future in zip(batch, pending):
                rows.extend(_collect(future, chunk, store, compute, warned, what, logger, failed))
            write(rows)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        _STATE = None


def _chunks(wanted: list[str], start: int, stop: int, workers: int) -> list[list[str]]:
    """The tasks for ``wanted[start:stop]`` (one written batch): :data:`CHUNK` ids each while much is left,
    then smaller ones (a quarter of each worker's share of what is left, at least :data:`MIN_CHUNK`),
    so no worker computes a large last task while the other processes wait with nothing to do."""
    out: list[list[str]] = []
    i = start
    while i < stop:
        size = max(MIN_CHUNK, min(CHUNK, (len(wanted) - i) // (4 * workers)))
        out.append(wanted[i:min(i + size, stop)])
        i += size
    return out


def _collect(future: Future[list[Row] | _Failure], chunk: list[str], store: TrialStore, compute: ComputeBatch,
             warned: list[bool], what: str, logger: logging.Logger, failed: type[WorkerFailed]) -> list[Row]:
    try:
        result = future.result()
    except BrokenProcessPool:
        if not warned:
            logger.warning("%s: a worker process stopped; finishing the run in this process", what)
            warned.append(True)
        return compute(store, list(store.iter_trials(chunk)))
    if isinstance(result, _Failure):
        compute(store, list(store.iter_trials(chunk)))  # raises the error one process raises
        raise failed(f"a worker process failed ({result.error}) on trials {chunk[0]}–{chunk[-1]}, which "
                     "could be computed here; set TRIALSCOUT_DERIVE_WORKERS=1 and derive again")
    return result
