"""Helpers for tests of derive runs over the demo snapshot (one process against worker processes)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from trialscout.config import Settings, load_settings
from trialscout.demo import demo_paths
from trialscout.registry.files import iter_paths
from trialscout.services import open_store
from trialscout.store import TrialStore, ingest


def derive_settings(tmp_path: Any, store_url: str, workers: str) -> Settings:
    """A home without the demo loaded, on ``store_url``, with ``workers`` derive processes."""
    return load_settings({"TRIALSCOUT_HOME": str(tmp_path / "home"), "TRIALSCOUT_LOAD_DEMO": "false",
                          "TRIALSCOUT_DATABASE_URL": store_url, "TRIALSCOUT_DERIVE_WORKERS": workers})


def stored_payloads(store: TrialStore, kind: str) -> dict[str, Any]:
    """Every stored trial's derived payload of ``kind``."""
    ids = [s.trial.nct_id for s in store.iter_trials()]
    return store.derived(kind).get_many(ids)


def loaded_store(settings: Settings, paths: Sequence[Path] | None = None) -> TrialStore:
    """The store of ``settings`` with the records of ``paths`` (the demo snapshot when None) imported."""
    store = open_store(settings)
    ingest(iter_paths(list(paths) if paths is not None else demo_paths()), store)
    return store
