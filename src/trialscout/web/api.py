"""JSON API, version 1 (documented at /api/docs, schema at /api/openapi.json)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request

from .deps import get_store, stored_trial
from .view import trial_json

router = APIRouter(prefix="/api/v1", tags=["trials"])


@router.get("/trials/{nct_id}", summary="One trial, with trialscout's first-seen and last-changed dates")
def get_trial(request: Request, nct_id: str) -> dict[str, Any]:
    return trial_json(stored_trial(request, nct_id))


@router.get("/trials/{nct_id}/history", summary="A trial's versions and what changed in each")
def get_history(request: Request, nct_id: str) -> list[dict[str, Any]]:
    stored = stored_trial(request, nct_id)
    return [
        {"version": v.version, "recorded_at": v.recorded_at.isoformat(), "changes": v.changes}
        for v in get_store(request).history(stored.trial.nct_id)
    ]


@router.get("/trials", summary="Trials, most recently changed first")
def list_trials(
    request: Request,
    page: int = Query(1, ge=1, le=100_000),
    per_page: int = Query(20, ge=1, le=100),
) -> dict[str, Any]:
    store = get_store(request)
    rows = store.summaries(limit=per_page, offset=(page - 1) * per_page)
    return {"total": store.count(), "page": page, "per_page": per_page, "trials": rows}
