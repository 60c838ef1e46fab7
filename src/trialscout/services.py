"""Wiring shared by the CLI and the web app: open the store, load the demo, refresh derived data.

Data flows one way: registry → trial → store → derive → index. After any import or sync,
:func:`refresh_derived` runs every deriver over the trials that were added or changed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from importlib import import_module

from .config import Settings
from .demo import demo_paths
from .registry.files import iter_paths
from .store import IngestReport, TrialStore, ingest

#: Derive steps, in order: ``"module:function"`` with signature
#: ``function(store, settings, ids: Sequence[str] | None) -> None`` (``ids=None`` means all trials).
DERIVERS: list[str] = []


def open_store(settings: Settings) -> TrialStore:
    """The store named by ``settings`` (creating its home folder for the SQLite default)."""
    if settings.database_url is None:
        settings.ensure_home()
    return TrialStore(settings.db_url)


def refresh_derived(store: TrialStore, settings: Settings, ids: Sequence[str] | None = None) -> None:
    """Rebuild derived data (plain language, parsed criteria, search index) for ``ids`` or all."""
    if ids is not None and not ids:
        return
    for target in DERIVERS:
        module, _, function = target.partition(":")
        getattr(import_module(module), function)(store, settings, ids)


def ingest_and_derive(
    paths: Sequence[object], store: TrialStore, settings: Settings,
    progress: Callable[[int], None] | None = None, batch_size: int = 500,
) -> IngestReport:
    """Import files, then refresh derived data for what was added or changed."""
    report = ingest(iter_paths(paths), store, batch_size=batch_size, progress=progress)  # type: ignore[arg-type]
    refresh_derived(store, settings, report.result.added + report.result.changed)
    return report


def load_demo_if_empty(
    store: TrialStore, settings: Settings, progress: Callable[[int], None] | None = None
) -> IngestReport | None:
    """On first run (an empty store) load the bundled demo snapshot; otherwise do nothing."""
    if not settings.load_demo or store.count() > 0:
        return None
    return ingest_and_derive(demo_paths(), store, settings, progress=progress)
