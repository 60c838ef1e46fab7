"""Background jobs for ``serve``: sync from the registry and send e-mail on a schedule (off by default)."""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

import typer

from ..config import Settings

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d)?\s*$", re.IGNORECASE)
_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86400}
MIN_SECONDS = 10.0


def parse_every(text: str | None, option: str) -> float | None:
    """``"6h"`` → 21600.0 seconds; ``None`` or ``"off"`` → ``None``."""
    if text is None or text.strip().lower() in {"", "off", "never", "0"}:
        return None
    found = _DURATION.match(text)
    if not found:
        raise typer.BadParameter(f"{text!r} is not a duration: use e.g. 30s, 5m, 6h or 1d", param_hint=option)
    seconds = float(found.group(1)) * _UNIT[(found.group(2) or "s").lower()]
    if seconds < MIN_SECONDS:
        raise typer.BadParameter(f"run it at most every {MIN_SECONDS:.0f} seconds", param_hint=option)
    return seconds


@dataclass
class Job:
    name: str
    every: float
    run: Callable[[], str]
    next_at: float = 0.0


@dataclass
class Schedule:
    """Runs each job every ``job.every`` seconds in one daemon thread; one job's failure stops nothing."""

    jobs: list[Job]
    report: Callable[[str], None]
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> "Schedule":
        now = time.monotonic()
        for job in self.jobs:
            job.next_at = now
        self._thread = threading.Thread(target=self._loop, name="trialscout-schedule", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _loop(self) -> None:
        while not self._stop.is_set():
            due = min(self.jobs, key=lambda j: j.next_at)
            wait = due.next_at - time.monotonic()
            if wait > 0:
                self._stop.wait(wait)
                continue
            try:
                self.report(f"{due.name}: {due.run()}")
            except Exception as exc:  # reported, and the job runs again next time
                self.report(f"{due.name} failed: {type(exc).__name__}: {exc}")
            due.next_at = time.monotonic() + due.every


def notify_job(settings: Settings) -> Callable[[], str]:
    def run() -> str:
        from ..alerts import Alerts
        from ..services import open_store

        store = open_store(settings)
        try:
            summary = Alerts(store, settings).notify()
        finally:
            store.close()
        return (f"sent {summary.sent}, retrying {summary.retrying}, failed {summary.failed}, waiting "
                f"{summary.waiting} (mail {summary.mail})")
    return run


def sync_job(settings: Settings, condition: str | None, term: str | None) -> Callable[[], str]:
    """An incremental sync: everything changed since the day before the last successful run."""
    state_file = settings.checkpoint_dir / "scheduled-sync.json"

    def run() -> str:
        from ..registry.checkpoint import Checkpoint
        from ..registry.ctgov import CtgovClient, SyncQuery
        from ..services import open_store, sync_registry

        started = datetime.now(timezone.utc).date()
        since = None
        if state_file.is_file():
            since = date.fromisoformat(json.loads(state_file.read_text())["last_success"]) - timedelta(days=1)
        query = SyncQuery(condition=condition, term=term, since=since, page_size=settings.registry_page_size)
        key = hashlib.sha256(json.dumps(query.describe(), sort_keys=True, default=str).encode()).hexdigest()[:16]
        settings.checkpoint_dir.mkdir(parents=True, exist_ok=True)
        store = open_store(settings)
        try:
            with CtgovClient(settings.registry_url, requests_per_minute=settings.registry_requests_per_minute) as client:
                report = sync_registry(store, settings, query, client, Checkpoint(settings.checkpoint_dir / f"sync-{key}.json"))
        finally:
            store.close()
        state_file.write_text(json.dumps({"last_success": started.isoformat()}))
        found = report.to_dict()
        return f"{found['added']} new, {found['changed']} changed (since {since or 'the start'})"
    return run
