"""`trialscout serve` settles its heap once loaded: requests no longer walk the loaded resources."""

from __future__ import annotations

import gc

import pytest

from trialscout.heap import SERVING_YOUNG_THRESHOLD, settle_for_serving


@pytest.fixture
def restored_collector():
    saved = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*saved)


def test_settling_freezes_what_is_loaded_and_collects_young_objects_rarely(restored_collector):
    loaded = [{"resource": i} for i in range(1_000)]  # stands for the vocabularies a server loads
    settle_for_serving()
    assert gc.get_freeze_count() >= len(loaded)
    assert gc.get_threshold()[0] >= SERVING_YOUNG_THRESHOLD
    cycle: list = []
    cycle.append(cycle)  # a request's garbage cycle is still collected
    del cycle
    assert gc.collect() >= 1


def test_settling_leaves_a_switched_off_collector_off(restored_collector):
    gc.set_threshold(0)
    settle_for_serving()
    assert gc.get_threshold()[0] == 0
