"""A derive run collects garbage rarely while it lasts and leaves the process's collector as it found it."""

from __future__ import annotations

import gc
import threading

import pytest

from trialscout.heap import YOUNG_THRESHOLD, long_run


@pytest.fixture(autouse=True)
def default_collector():
    before = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    yield
    gc.unfreeze()
    gc.set_threshold(*before)


def test_a_run_freezes_the_heap_built_before_it_and_restores_the_collector_after():
    held = [{"made": "before the run"} for _ in range(1000)]
    with long_run():
        assert gc.get_freeze_count() >= len(held)
        assert gc.get_threshold() == (YOUNG_THRESHOLD, 10, 10)
    assert gc.get_freeze_count() == 0
    assert gc.get_threshold() == (700, 10, 10)


def test_cycles_made_during_a_run_are_still_collected():
    class Node:
        pass

    with long_run():
        for _ in range(10):
            a, b = Node(), Node()
            a.other, b.other = b, a
        del a, b
        assert gc.collect() >= 20


def test_nested_and_concurrent_runs_restore_only_when_the_last_ends():
    started, release = threading.Event(), threading.Event()

    def other_run() -> None:
        with long_run():
            started.set()
            release.wait(10)

    thread = threading.Thread(target=other_run)
    with long_run():
        thread.start()
        started.wait(10)
        with long_run():
            pass
        assert gc.get_threshold()[0] == YOUNG_THRESHOLD
    assert gc.get_threshold()[0] == YOUNG_THRESHOLD  # the other thread's run is still going
    release.set()
    thread.join(10)
    assert gc.get_threshold() == (700, 10, 10)
    assert gc.get_freeze_count() == 0


def test_a_failing_run_restores_the_collector():
    with pytest.raises(RuntimeError, match="boom"):
        with long_run():
            raise RuntimeError("boom")
    assert gc.get_threshold() == (700, 10, 10)
    assert gc.get_freeze_count() == 0


def test_collection_switched_off_stays_off():
    gc.set_threshold(0)
    with long_run():
        assert gc.get_threshold()[0] == 0
    assert gc.get_threshold()[0] == 0
