"""Wiring shared by the CLI and the web app: open the store, load the demo, refresh derived data.

Data flows one way: registry → trial → store → derive → index. After any import or sync,
:func:`refresh_derived` runs every deriver over the trials that were added or changed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from importlib import import_module
from typing import TYPE_CHECKING

from .config import Settings
from .heap import long_run
from .demo import demo_paths
from .registry.files import iter_paths
from .alerts.service import install as install_alerts
from .store import IngestReport, TrialStore, ingest

if TYPE_CHECKING:
    from .registry.checkpoint import Checkpoint
    from .registry.ctgov import CtgovClient, SyncQuery

#: Derive steps, in order: ``"module:function"`` with signature
#: ``function(store, settings, ids: Sequence[str] | None) -> None`` (``ids=None`` means all trials).
DERIVERS: list[str] = [
    "trialscout.eligibility.derive:derive_eligibility",
    "trialscout.plain.derive:derive_plain",  # after the parse: reads its criteria items
    "trialscout.search.maintenance:refresh_index",
    "trialscout.alerts.service:match_new_trials_step",  # last: matches new trials with the fresh index
]


def open_store(settings: Settings) -> TrialStore:
    """The store named by ``settings`` (creating its home folder for the SQLite default)."""
    if settings.database_url is None:
        settings.ensure_home()
    store = TrialStore(settings.db_url)
    install_alerts(store)  # every upsert enqueues alerts in its own transaction
    return store


def refresh_derived(store: TrialStore, settings: Settings, ids: Sequence[str] | None = None) -> None:
    """Rebuild derived data (plain language, parsed criteria, search index) for ``ids`` or all."""
    if ids is not None and not ids:
        return
    with long_run():  # every step of a large run makes objects that live only as long as a batch
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


def sync_registry(
    store: TrialStore,
    settings: Settings,
    query: "SyncQuery",
    client: "CtgovClient",
    checkpoint: "Checkpoint",
    progress: Callable[[int, int | None], None] | None = None,
) -> IngestReport:
    """Fetch ``query`` page by page, storing and deriving each page before asking for the next.

    The client moves ``checkpoint`` past a page only once this loop has stored it, so an
    interrupted sync resumes at the page it was storing; the store's upsert is idempotent,
    so that page being fetched twice adds nothing.
    """
    from .registry.files import SourceRecord

    report = IngestReport()
    for page in client.iter_pages(query, checkpoint):
        records = (SourceRecord(f"{settings.registry_url} page {page.number}", study=s) for s in page.studies)
        page_report = ingest(records, store)
        report.read += page_report.read
        report.rejected += page_report.rejected
        report.result.merge(page_report.result)
        refresh_derived(store, settings, page_report.result.added + page_report.result.changed)
        if progress:
            progress(page.studies_before + len(page.studies), page.total_count)
    return report
