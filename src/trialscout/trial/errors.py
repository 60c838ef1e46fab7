"""Errors a registry record can cause."""

from __future__ import annotations


class InvalidRecord(ValueError):
    """One record cannot be read; the importer reports it with its id and skips it."""

    def __init__(self, record_id: str, reason: str) -> None:
        super().__init__(f"{record_id}: {reason}")
        self.record_id = record_id
        self.reason = reason
