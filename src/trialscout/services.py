"""Wiring shared by the CLI and the web app: open the store, load the demo on first run."""

from __future__ import annotations

from collections.abc import Callable

from .config import Settings
from .demo import demo_paths
from .registry.files import iter_paths
from .store import IngestReport, TrialStore, ingest


def open_store(settings: Settings) -> TrialStore:
    """The store named by ``settings`` (creating its home folder for the SQLite default)."""
    if settings.database_url is None:
        settings.ensure_home()
    return TrialStore(settings.db_url)


def load_demo_if_empty(
    store: TrialStore, settings: Settings, progress: Callable[[int], None] | None = None
) -> IngestReport | None:
    """On first run (an empty store) load the bundled demo snapshot; otherwise do nothing."""
    if not settings.load_demo or store.count() > 0:
        return None
    return ingest(iter_paths(demo_paths()), store, progress=progress)
