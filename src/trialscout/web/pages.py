"""Server-rendered pages: they work without JavaScript and on a phone."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from .deps import get_store, stored_trial
from .view import human_date, trial_page

router = APIRouter(include_in_schema=False)


def render(request: Request, template: str, context: dict, status_code: int = 200) -> HTMLResponse:
    return request.app.state.templates.TemplateResponse(request, template, context, status_code=status_code)


@router.get("/", response_class=HTMLResponse)
def index(request: Request, page: int = Query(1, ge=1, le=100_000)) -> HTMLResponse:
    store = get_store(request)
    per_page = 50
    total = store.count()
    rows = store.summaries(limit=per_page, offset=(page - 1) * per_page)
    return render(request, "index.html", {
        "rows": rows, "page": page, "total": total,
        "has_next": page * per_page < total, "human_date": human_date,
    })


@router.get("/trials/{nct_id}", response_class=HTMLResponse)
def trial(request: Request, nct_id: str) -> HTMLResponse:
    stored = stored_trial(request, nct_id)
    versions = get_store(request).history(stored.trial.nct_id)
    plain = get_store(request).derived("plain").get(stored.trial.nct_id)
    return render(request, "trial.html", {"p": trial_page(stored, versions, plain), "human_date": human_date})
