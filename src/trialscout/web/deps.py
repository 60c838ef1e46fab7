"""Request-scoped access to what the app holds (no business logic here)."""

from __future__ import annotations

import re

from fastapi import HTTPException, Request

from ..store import StoredTrial, TrialStore

_ID = re.compile(r"^(NCT\d{8}|TSLOCAL-[0-9A-Za-z-]{1,40})$")


def get_store(request: Request) -> TrialStore:
    return request.app.state.store


def stored_trial(request: Request, nct_id: str) -> StoredTrial:
    """The trial named in the path, or a 404 that says what to try."""
    ident = nct_id.strip()
    if ident.upper().startswith("NCT"):
        ident = ident.upper()
    if not _ID.match(ident):
        raise HTTPException(404, f"{nct_id[:60]!r} is not a trial id (they look like NCT06740149)")
    found = get_store(request).get(ident)
    if found is None:
        raise HTTPException(404, f"No trial {ident} in this copy of the registry")
    return found
