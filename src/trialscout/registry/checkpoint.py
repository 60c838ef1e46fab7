"""Resume points for an interrupted ClinicalTrials.gov sync, kept in a small JSON file.

The file holds the sync's options (so it is never reused for a different sync), the
``pageToken`` of the first page not yet stored, progress counters and timestamps.
It is rewritten atomically (temporary file, fsync, ``os.replace``) after each stored
page and deleted once the sync has finished.  :meth:`CtgovClient.iter_pages` drives it;
a caller only creates it, and may :meth:`Checkpoint.clear` it to start afresh.

Example file::

    {"version": 1, "query": {"base_url": "https://clinicaltrials.gov", "condition": "asthma",
     "term": null, "since": "2024-01-01", "page_size": 1000},
     "next_page_token": "NF0g5JiCmfUq", "pages_done": 3, "studies_done": 3000,
     "total_count": 5120, "started_at": "2025-01-02T10:00:00+00:00",
     "updated_at": "2025-01-02T10:00:09+00:00"}
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from trialscout.registry.ctgov import CheckpointError, CheckpointMismatch

__all__ = ["Checkpoint", "CheckpointError", "CheckpointMismatch", "CheckpointState"]

FORMAT_VERSION = 1


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class CheckpointState:
    """The content of a checkpoint file."""

    query: dict[str, Any]
    next_page_token: str
    pages_done: int
    studies_done: int
    total_count: int | None
    started_at: str
    updated_at: str


class Checkpoint:
    """The resume point of one sync, stored at ``path``."""

    def __init__(self, path: str | os.PathLike[str], *, now: Callable[[], datetime] = _utc_now):
        self.path = Path(path)
        self._now = now

    def load(self) -> CheckpointState | None:
        """Read the file (``None`` if absent); raise :class:`CheckpointError` if unreadable."""
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            raise self._unreadable(exc) from exc
        if not isinstance(raw, dict) or raw.get("version") != FORMAT_VERSION:
            raise self._unreadable("unknown format")
        raw.pop("version")
        try:
            return CheckpointState(**raw)
        except TypeError as exc:
            raise self._unreadable(exc) from exc

    def resume(self, query: dict[str, Any]) -> CheckpointState | None:
        """The saved state if it belongs to ``query``; raises :class:`CheckpointMismatch` if not."""
        state = self.load()
        if state is not None and state.query != query:
            raise CheckpointMismatch(
                f"The checkpoint {self.path} belongs to an unfinished sync with other "
                f"options ({_describe(state.query)}), not this one ({_describe(query)}). "
                "Run that sync again to finish it, or delete the file to start this one "
                "from the beginning."
            )
        return state

    def advance(
        self,
        query: dict[str, Any],
        next_page_token: str,
        *,
        pages_done: int,
        studies_done: int,
        total_count: int | None,
    ) -> None:
        """Record that every page before ``next_page_token`` is stored."""
        now = self._now().isoformat(timespec="seconds")
        previous = self.load()
        state = CheckpointState(
            query=query,
            next_page_token=next_page_token,
            pages_done=pages_done,
            studies_done=studies_done,
            total_count=total_count,
            started_at=previous.started_at if previous else now,
            updated_at=now,
        )
        payload = {"version": FORMAT_VERSION, **asdict(state)}
        _write_atomically(self.path, json.dumps(payload, indent=1, sort_keys=True))

    def clear(self) -> None:
        """Forget the resume point (the sync finished, or the user wants to restart)."""
        self.path.unlink(missing_ok=True)

    def _unreadable(self, reason: object) -> CheckpointError:
        return CheckpointError(
            f"The checkpoint {self.path} cannot be read ({reason}); delete it to start "
            "the sync from the beginning."
        )


def _describe(query: dict[str, Any]) -> str:
    parts = [f"{key}={value}" for key, value in query.items() if value is not None]
    return ", ".join(parts) or "no options"


def _write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so that readers see either the old or the new file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp_name, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp_name)
        raise
