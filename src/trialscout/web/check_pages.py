"""The "Might I qualify?" pages: a form per trial and the answer, without JavaScript.

Only reading the form and choosing pages happens here; every decision is in
:mod:`trialscout.eligibility.service`. Nothing a person enters is stored or logged: the answer
page is sent with ``Cache-Control: no-store`` and the form posts (never a URL with their data).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from ..eligibility import ProfileError
from ..eligibility.service import (
    MAX_FHIR_BYTES, CheckFailed, CheckForm, CheckReport, FormProblems, Submission, check_form, check_submission,
    criteria_lists, field_name, question_label, stored_parse,
)
from ..store import StoredTrial
from .csrf import MAX_BODY, MAX_FIELDS
from .deps import get_store, stored_trial

router = APIRouter(include_in_schema=False)

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache", "X-Robots-Tag": "noindex"}
#: Text fields of the form (a pasted record can be large; the CSRF check caps the whole body).
TEXT_FIELDS = ("age", "birth_date", "sex", "note", "fhir_text")

VERDICT_WORDS = {
    "likely_eligible": "Likely eligible",
    "likely_not_eligible": "Likely not eligible",
    "need_more_information": "Need more information",
}
SOURCE_WORDS = {"form": "what you entered", "answer": "your answer", "fhir": "your health record",
                "note": "your note", "computed": "calculated from your values"}


def install(app: FastAPI) -> None:
    """Mount the pages and give the trial page its criteria lists (from the stored parse)."""
    app.include_router(router)
    env = app.state.templates.env
    env.globals["trial_criteria"] = lambda stored: criteria_lists(app.state.store, stored)


def field_id(name: str) -> str:
    """An HTML id for a form field name (``a:lab:bilirubin`` -> ``f-a-lab-bilirubin``)."""
    return "f-" + re.sub(r"[^A-Za-z0-9_-]", "-", name)


def question_anchor(question_id: str) -> str:
    """The id of the form field that answers a question (age and sex have their own fields)."""
    return field_id(question_id if question_id in {"age", "sex"} else field_name(question_id))


def criterion_verdict(c: Any) -> dict[str, str]:
    """Words (and a CSS class) for one criterion's verdict; never colour alone."""
    if c.needs_review:
        return {"word": "Needs review", "explain": "We could not read this rule; the study team will check it.",
                "css": "unknown"}
    if c.study_team:
        return {"word": "Not applicable", "explain": "Settled with the study team.", "css": "na"}
    exclusion = c.kind == "exclusion"
    words = {
        "met": ("Met", "This rules you out." if exclusion else "", "bad" if exclusion else "good"),
        "not_met": ("Not met", "This does not rule you out." if exclusion else "", "good" if exclusion else "bad"),
        "unknown": ("Unknown", "", "unknown"),
        "not_applicable": ("Not applicable", "", "na"),
    }[c.status]
    return {"word": words[0], "explain": words[1], "css": words[2]}


def _sections(report: CheckReport) -> list[dict[str, Any]]:
    groups = [
        ("registry", "Limits set in the registry", lambda c: c.source == "registry"),
        ("inclusion", "Who can join (inclusion criteria)", lambda c: c.source != "registry" and c.kind == "inclusion"),
        ("exclusion", "Who cannot join (exclusion criteria)",
         lambda c: c.source != "registry" and c.kind == "exclusion"),
    ]
    depth: dict[int, int] = {}
    for c in report.criteria:
        depth[c.index] = depth.get(c.parent, -1) + 1 if c.parent is not None else 0
    out = []
    for key, title, keep in groups:
        items = [{"c": c, "v": criterion_verdict(c), "depth": min(depth.get(c.index, 0), 3)}
                 for c in report.criteria if keep(c)]
        if items:
            out.append({"key": key, "title": title, "rows": items})
    return out


def _context(request: Request, stored: StoredTrial, form: CheckForm, **extra: Any) -> dict[str, Any]:
    return {"t": stored.trial, "form": form, "values": {}, "problems": {}, "asked": set(), "field_id": field_id,
            "field_name": field_name, "question_label": question_label, "question_anchor": question_anchor, "max_fhir_mb": MAX_FHIR_BYTES // (1024 * 1024), "source_words": SOURCE_WORDS,
            **extra}


def _render(request: Request, template: str, context: dict[str, Any], status_code: int = 200,
            private: bool = False) -> HTMLResponse:
    return request.app.state.templates.TemplateResponse(request, template, context, status_code=status_code,
                                                        headers=NO_STORE if private else None)


@router.get("/trials/{nct_id}/check", response_class=HTMLResponse)
def check_page(request: Request, nct_id: str) -> HTMLResponse:
    """The form: only what this trial's criteria need, plus age and sex, or a record or a note."""
    stored = stored_trial(request, nct_id)
    parsed, reason = stored_parse(get_store(request), stored)
    return _render(request, "check.html", _context(request, stored, check_form(parsed), no_criteria=reason))


async def _read_submission(request: Request) -> tuple[Submission, bool]:
    """The form's text fields and the uploaded file (read up to the limit); True when a file was sent."""
    form = await request.form(max_part_size=MAX_BODY, max_fields=MAX_FIELDS)
    fields = {k: v for k, v in form.multi_items() if isinstance(v, str) and k != "csrf_token"}
    upload = form.get("fhir_file")
    data: bytes | None = None
    if isinstance(upload, UploadFile):
        data = await upload.read(MAX_FHIR_BYTES + 1)
        await upload.close()
    await form.close()
    return Submission(fields, data), bool(data and data.strip())


@router.post("/trials/{nct_id}/check", response_class=HTMLResponse)
async def check_answer(request: Request, nct_id: str) -> HTMLResponse:
    """The answer: the trial verdict and every criterion; or the form again with what to correct."""
    stored = await run_in_threadpool(stored_trial, request, nct_id)
    store = get_store(request)
    submission, uploaded = await _read_submission(request)
    values = {k: v for k, v in submission.fields.items() if k in TEXT_FIELDS or k[:2] in {"a:", "u:"}}
    parsed, reason = await run_in_threadpool(stored_parse, store, stored)
    form = check_form(parsed)
    try:
        report = await run_in_threadpool(check_submission, store, stored, submission)
    except FormProblems as exc:
        return _render(request, "check.html", _context(request, stored, form, values=values, problems=exc.problems,
                                                       uploaded=uploaded, no_criteria=reason),
                       status_code=413 if exc.too_large else 422, private=True)
    except CheckFailed as exc:
        return _render(request, "check.html", _context(request, stored, form, values=values, uploaded=uploaded,
                                                       problems={"": str(exc)}, no_criteria=reason),
                       status_code=500, private=True)
    except ProfileError as exc:
        return _render(request, "check.html", _context(request, stored, form, values=values, uploaded=uploaded,
                                                       problems={"": str(exc)}, no_criteria=reason),
                       status_code=422, private=True)
    asked = {q.id for q in report.questions}
    return _render(request, "check_result.html", _context(
        request, stored, form, values=values, uploaded=uploaded, report=report, sections=_sections(report),
        verdict_words=VERDICT_WORDS, asked=asked, no_criteria=reason,
        blocking=[c for c in report.criteria if c.index in set(report.blocking)],
        review=[c for c in report.criteria if c.index in set(report.to_review)],
    ), private=True)


# --------------------------------------------------------------------------- the JSON API's body limit

class BoundedBodyRoute(APIRoute):
    """An API route that refuses a body larger than ``MAX_BODY`` (413) before reading it into memory.

    Page forms get the same limit from the CSRF check; ``/api/`` paths skip that check.
    """

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def bounded(request: Request) -> Response:
            too_large = JSONResponse({"detail": f"The request is larger than {MAX_BODY // (1024 * 1024)} MB: send "
                                                "only recent results, or the form data instead."}, status_code=413)
            declared = request.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > MAX_BODY:
                return too_large
            chunks: list[bytes] = []
            size = 0
            async for chunk in request.stream():
                size += len(chunk)
                if size > MAX_BODY:
                    return too_large
                chunks.append(chunk)
            request._body = b"".join(chunks)  # what FastAPI's handler reads (Request.body caches it there)
            return await handler(request)

        return bounded
