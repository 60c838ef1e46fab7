"""Fixtures for the plain-language tests: the language resources, the demo and seed trials.
Record builders live in ``plain_records.py``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from trialscout.demo import DEMO_DIR
from trialscout.plain import load_resources
from trialscout.plain.evaluate import demo_trials as load_demo_trials
from trialscout.trial import Trial, trial_from_ctgov


@pytest.fixture(scope="session")
def res():
    return load_resources()


@pytest.fixture(scope="session")
def demo_trials() -> list[Trial]:
    return load_demo_trials()


@pytest.fixture(scope="session")
def seeds() -> dict[str, Trial]:
    out = {}
    for path in sorted((DEMO_DIR / "seeds").glob("*.json")):
        trial = trial_from_ctgov(json.loads(Path(path).read_text(encoding="utf-8")))
        out[trial.nct_id] = trial
    return out
