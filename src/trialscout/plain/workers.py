"""Plain pages of a large derive run generated in worker processes; the caller alone writes.

The plain step's use of :mod:`trialscout.store.workers` (shared with ``eligibility.derive``): a run
of at least ``MIN_TRIALS`` trials is explained in ``settings.derive_workers`` forked processes, in
chunks of ``CHUNK`` trial ids, each worker reading its trials and their stored parses through its own
connection; the parent writes the pages batch by batch, in order. Never with the LLM writer. Failures
behave as in one process (see ``store.workers``); a chunk that failed only in a worker raises
``WorkerFailed``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from ..store import TrialStore
from ..store import workers as shared
from ..store.workers import CHUNK, MIN_TRIALS, ComputeBatch, Row
from .errors import PlainLanguageError
from .explain import Writer

__all__ = ["CHUNK", "MIN_TRIALS", "ExplainBatch", "Row", "WorkerFailed", "derive_in_workers", "worker_count"]

log = logging.getLogger(__name__)

ExplainBatch = ComputeBatch


class WorkerFailed(PlainLanguageError, shared.WorkerFailed):
    """A worker failed on a chunk that the parent then explained without error."""


def worker_count(settings_workers: int, trials_in_run: int, writer: Writer | None, store: TrialStore) -> int:
    """How many processes a run of ``trials_in_run`` pages uses (1: all in this process; always with the LLM)."""
    return shared.worker_count(settings_workers, trials_in_run, store, allowed=writer is None)


def derive_in_workers(store: TrialStore, workers: int, ids: Sequence[str] | None, batch_size: int,
                      explain: ExplainBatch, write: Callable[[list[Row]], object]) -> None:
    """Explain ``ids`` (all when None) in ``workers`` processes; ``write`` each batch here, in order."""
    shared.derive_in_workers(store, workers, ids, batch_size, explain, write, what="plain pages", logger=log,
                             failed=WorkerFailed)
