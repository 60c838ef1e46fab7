"""The store: trials, their versions and field-level diffs, on SQLite or PostgreSQL."""

from .diff import Change, diff_trials
from .ingest import IngestReport, Rejected, ingest
from .derived import DerivedStore, in_batches
from .records import PreparedRecord, content_hash, prepare
from .repository import StoredTrial, StoreError, TrialStore, UpsertResult, Version

__all__ = [
    "in_batches",
    "Change", "DerivedStore", "diff_trials", "IngestReport", "Rejected", "ingest", "StoredTrial", "StoreError",
    "TrialStore", "UpsertResult", "Version", "content_hash", "PreparedRecord", "prepare",
]
