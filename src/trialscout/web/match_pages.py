"""The "Find trials for me" page (``/match``): a form, a health record upload or a pasted note in, ranked
and explained trials out; works without JavaScript.

Only reading the form and choosing pages happens here; every decision is in :mod:`trialscout.match`.
Nothing a person enters is stored or logged: the form posts (never a URL with their data) and every
answer is sent with ``Cache-Control: no-store``.
"""

from __future__ import annotations

import logging

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from ..match import MatchError, MatchRequest, MatchService, NothingToMatch
from ..match.intake import FORM_FIELDS, FormProblem, MAX_INPUT_BYTES, read_submission
from ..match.models import DEFAULT_WITHIN, VERDICT_ORDER, VERDICT_WORDS
from ..plain.labels import label
from .csrf import MAX_BODY

router = APIRouter(include_in_schema=False)
log = logging.getLogger(__name__)

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache", "X-Robots-Tag": "noindex"}
WITHIN_CHOICES = ["50km", "100km", "300km", "500km", "1000km", "20000km"]
SECTION_TITLES = {"likely_eligible": "You may be able to join",
                  "need_more_information": "We need more information",
                  "likely_not_eligible": "Probably not for you"}


def install(app: FastAPI) -> None:
    """Give the app its match service (over the app's store and search) and mount the page."""
    app.state.matcher = MatchService.open(app.state.settings, app.state.store, app.state.search)
    app.include_router(router)


def matcher(request: Request) -> MatchService:
    return request.app.state.matcher


def _render(request: Request, context: dict, status_code: int = 200) -> HTMLResponse:
    base = {"values": {}, "problems": {}, "results": None, "within_choices": WITHIN_CHOICES,
            "default_within": DEFAULT_WITHIN, "label": label, "verdict_words": VERDICT_WORDS,
            "section_titles": SECTION_TITLES, "verdict_order": VERDICT_ORDER}
    return request.app.state.templates.TemplateResponse(request, "match.html", {**base, **context},
                                                        status_code=status_code, headers=NO_STORE)


@router.get("/match", response_class=HTMLResponse)
def match_form(request: Request) -> HTMLResponse:
    return _render(request, {})


@router.post("/match", response_class=HTMLResponse)
async def match_results(request: Request) -> HTMLResponse:
    form = await request.form(max_part_size=MAX_BODY, max_fields=100)
    fields = {k: v.strip()[:200_000] for k, v in form.multi_items() if isinstance(v, str) and k in FORM_FIELDS}
    upload = form.get("fhir_file")
    data: bytes | None = None
    if isinstance(upload, UploadFile):
        data = await upload.read(MAX_INPUT_BYTES + 1)
        await upload.close()
    await form.close()
    values = {k: v for k, v in fields.items() if k != "fhir_text"}
    try:
        person = read_submission(fields, data)
        wanted = MatchRequest(person, statuses="any" if fields.get("statuses") == "any" else "open")
        results = await run_in_threadpool(matcher(request).match, wanted)
    except FormProblem as exc:
        return _render(request, {"values": values, "problems": {exc.field: exc.message}}, 422)
    except NothingToMatch as exc:
        return _render(request, {"values": values, "problems": {"conditions": exc.message}}, 422)
    except MatchError as exc:
        return _render(request, {"values": values, "problems": {"": exc.message}}, 422)
    sections = [(v, [m for m in results.matches if m.verdict == v]) for v in VERDICT_ORDER]
    return _render(request, {"values": values, "results": results, "sections": sections,
                             "uploaded": bool(data and data.strip())})
