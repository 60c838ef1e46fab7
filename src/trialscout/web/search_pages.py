"""The search page (``/search``) and the glue the JSON API's search uses: no decisions here, only turning
form fields into a :class:`SearchRequest`, calling the search service, and shaping what it returns."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse

from ..config import Settings
from ..plain.labels import label
from ..search import IndexBusy, InvalidQuery, SearchError, SearchRequest, SearchResults, SearchService, UnknownPlace
from ..search.maintenance import ensure_current
from ..store import TrialStore

router = APIRouter(include_in_schema=False)
log = logging.getLogger(__name__)

LIST_FIELDS = ("status", "phase", "study_type", "country", "condition", "intervention_type")
TEXT_FIELDS = ("q", "near", "within", "age", "sex", "healthy_volunteers", "first_posted_from", "first_posted_to",
               "updated_from", "updated_to")
STATUS_CHOICES = [("open", "Open to join (default)"), ("any", "Any status"), ("RECRUITING", "Recruiting"),
                  ("NOT_YET_RECRUITING", "Not yet recruiting"), ("ENROLLING_BY_INVITATION", "Enrolling by invitation"),
                  ("ACTIVE_NOT_RECRUITING", "Active, not recruiting"), ("COMPLETED", "Completed")]
PHASE_CHOICES = [("", "Any phase"), ("EARLY_PHASE1", "Early Phase 1"), ("PHASE1", "Phase 1"), ("PHASE2", "Phase 2"),
                 ("PHASE3", "Phase 3"), ("PHASE4", "Phase 4"), ("NA", "Not applicable")]
WITHIN_CHOICES = ["10km", "25km", "50km", "100km", "250km", "500km", "1000km", "10mi", "25mi", "50mi", "100mi", "250mi"]


def attach_search(app: FastAPI, settings: Settings, store: TrialStore) -> None:
    """Open the search index for the app and bring it up to date with the store (built on first run)."""
    service = SearchService.open(settings)
    try:
        ensure_current(service.index, store)
    except IndexBusy as exc:  # another process is writing it; it will be current when that finishes
        log.warning("%s", exc)
    app.state.search = service


def search_service(request: Request) -> SearchService:
    return request.app.state.search


def search_or_error(service: SearchService, search: SearchRequest) -> tuple[SearchResults | None, dict[str, Any] | None]:
    """Results, or an error a person can act on: ``{"status", "parameter", "message", "suggestions"}``."""
    try:
        return service.search(search), None
    except UnknownPlace as exc:
        return None, {"status": 422, "parameter": exc.parameter, "message": exc.message, "suggestions": exc.suggestions}
    except InvalidQuery as exc:
        return None, {"status": 422, "parameter": exc.parameter, "message": exc.message, "suggestions": []}
    except SearchError as exc:
        return None, {"status": 400, "parameter": None, "message": str(exc), "suggestions": []}


def api_error(error: dict[str, Any]) -> JSONResponse:
    body: dict[str, Any] = {"detail": [f"{error['parameter']}: {error['message']}" if error["parameter"]
                                       else error["message"]]}
    if error["suggestions"]:
        body["suggestions"] = error["suggestions"]
    return JSONResponse(body, status_code=error["status"])


def _form_values(request: Request) -> tuple[dict[str, str], dict[str, list[str]]]:
    params = request.query_params
    text = {name: params.get(name, "").strip()[:5000] for name in TEXT_FIELDS}
    lists = {name: [v for v in params.getlist(name) if v.strip()][:20] for name in LIST_FIELDS}
    return text, lists


def request_from_form(text: dict[str, str], lists: dict[str, list[str]], page: str) -> SearchRequest:
    """Form fields (all text, possibly empty) → a request; raises :class:`InvalidQuery` naming the field."""
    return SearchRequest(
        q=text["q"], near=text["near"] or None, within=text["within"] or None,
        age=_number("age", text["age"]), sex=text["sex"] or None,
        status=tuple(lists["status"]) or ("open",), phase=tuple(lists["phase"]), study_type=tuple(lists["study_type"]),
        country=tuple(lists["country"]), condition=tuple(lists["condition"]),
        intervention_type=tuple(lists["intervention_type"]),
        healthy_volunteers={"": None, "yes": True, "no": False}.get(text["healthy_volunteers"].lower(), None),
        first_posted_from=_day("first_posted_from", text["first_posted_from"]),
        first_posted_to=_day("first_posted_to", text["first_posted_to"]),
        updated_from=_day("updated_from", text["updated_from"]), updated_to=_day("updated_to", text["updated_to"]),
        page=int(_number("page", page) or 1),
    )


def _number(name: str, value: str) -> float | None:
    if not value:
        return None
    try:
        number = float(value)
    except ValueError:
        raise InvalidQuery(name, f"{name.replace('_', ' ').capitalize()} must be a number, not {value[:20]!r}.") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise InvalidQuery(name, f"{name.capitalize()} must be a number.")
    if name == "page" and (number != int(number) or not 1 <= number <= 10_000):
        raise InvalidQuery("page", f"Page must be a whole number from 1, not {value[:20]!r}.")
    return number


def _day(name: str, value: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidQuery(name, f"{value[:20]!r} is not a date: write it as YYYY-MM-DD.") from None


@dataclass(frozen=True)
class Links:
    """URLs for the current search with one thing changed (facets, pages, suggestions)."""

    text: dict[str, str]
    lists: dict[str, list[str]]

    def url(self, **changes: Any) -> str:
        params: list[tuple[str, str]] = []
        for name in TEXT_FIELDS:
            value = changes.get(name, self.text.get(name, ""))
            if value not in ("", None):
                params.append((name, str(value)))
        for name in LIST_FIELDS:
            for value in changes.get(name, self.lists.get(name, [])):
                params.append((name, value))
        page = changes.get("page")
        if page and page > 1:
            params.append(("page", str(page)))
        return "/search" + ("?" + urlencode(params) if params else "")

    def toggle(self, field: str, value: str) -> str:
        current = self.lists.get(field, [])
        chosen = [v for v in current if v != value] if value in current else current + [value]
        return self.url(**{field: chosen})

    def status(self, value: str) -> str:
        return self.url(status=[value])


@router.get("/search", response_class=HTMLResponse)
def search_page(request: Request) -> HTMLResponse:
    text, lists = _form_values(request)
    links = Links(text, lists)
    results, error = None, None
    asked = any(text[name] for name in TEXT_FIELDS) or any(lists.values())
    if asked or "page" in request.query_params:
        try:
            search = request_from_form(text, lists, request.query_params.get("page", ""))
        except InvalidQuery as exc:
            search, error = None, {"status": 422, "parameter": exc.parameter, "message": exc.message, "suggestions": []}
        if search is not None:
            results, error = search_or_error(search_service(request), search)
    context = {
        "text": text, "lists": lists, "links": links, "results": results, "error": error, "asked": asked,
        "status_choices": STATUS_CHOICES, "phase_choices": PHASE_CHOICES, "within_choices": WITHIN_CHOICES,
        "label": label,
    }
    return request.app.state.templates.TemplateResponse(
        request, "search.html", context, status_code=error["status"] if error else 200)
