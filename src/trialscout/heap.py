"""Garbage collection during a long derive run (``services.refresh_derived`` wraps every step in it).

Before a run the process already holds several hundred thousand long-lived objects (the
pronunciation dictionary, the glossary, compiled patterns, the eligibility engine's data); during
it every trial adds a few hundred more that live as long as its batch. With CPython's default
thresholds the collector walks that whole heap again and again: ≈ 0.5 ms a trial, about an eighth
of the derive step (measured with ``gc.callbacks`` over the demo snapshot). The run itself makes
almost no reference cycles (≈ 40 collectable objects in a run of 801 trials), so while a run lasts
the objects made before it are frozen (``gc.freeze``: never walked, never freed) and the youngest
generation is collected every :data:`YOUNG_THRESHOLD` new objects instead of every 700. Both are
restored when the last run in the process ends. Forked derive workers inherit the frozen heap,
which also spares them copying the parent's pages to update its objects' collector headers.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

#: New container objects between two collections of the youngest generation during a run.
YOUNG_THRESHOLD = 100_000

_lock = threading.Lock()
_runs = 0
_saved: tuple[int, int, int] | None = None


@contextmanager
def long_run() -> Iterator[None]:
    """Collect garbage rarely while the block runs (nested and concurrent runs share one setting)."""
    global _runs, _saved
    with _lock:
        if _runs == 0:
            _saved = gc.get_threshold()
            gc.freeze()
            young = max(YOUNG_THRESHOLD, _saved[0]) if _saved[0] else 0  # 0: collection was off; stays off
            gc.set_threshold(young, _saved[1], _saved[2])
        _runs += 1
    try:
        yield
    finally:
        with _lock:
            _runs -= 1
            if _runs == 0 and _saved is not None:
                gc.set_threshold(*_saved)
                gc.unfreeze()
                _saved = None


#: New container objects between two collections of the youngest generation in a serving process.
SERVING_YOUNG_THRESHOLD = 50_000


def settle_for_serving() -> None:
    """For a long-lived server, once its resources are loaded: freeze them (the collector never walks them
    again) and collect the youngest generation every :data:`SERVING_YOUNG_THRESHOLD` new objects. A check
    or a match makes ~100 objects per criterion that live only as long as the request; with the default
    thresholds each request set off collections that walked the whole loaded heap (30–40% of an
    evaluation's CPU). Objects loaded later (a model opened on first use) stay collectable as usual."""
    young, middle, old = gc.get_threshold()
    gc.collect()
    gc.freeze()
    if young:  # 0: collection is off; it stays off
        gc.set_threshold(max(young, SERVING_YOUNG_THRESHOLD), middle, old)
