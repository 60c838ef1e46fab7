"""JSON API, version 1 (documented at /api/docs, schema at /api/openapi.json)."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import JSONResponse

from ..eligibility import ProfileError
from ..eligibility.service import CheckFailed, CheckReport, CheckRequest, check_stored_trial
from ..match import MatchError, SemanticUnavailable
from ..match.schemas import MatchBody, MatchResponse
from ..search import SearchRequest
from .check_pages import BoundedBodyRoute
from .deps import get_store, stored_trial
from .match_pages import NO_STORE
from .search_models import SearchResponse
from .search_pages import api_error, search_or_error, search_service
from .view import trial_json

router = APIRouter(prefix="/api/v1", tags=["trials"])


@router.get("/trials/{nct_id}", summary="One trial, with trialscout's first-seen and last-changed dates")
def get_trial(request: Request, nct_id: str) -> dict[str, Any]:
    stored = stored_trial(request, nct_id)
    data = trial_json(stored)
    # The plain-language page (headline, summary, what this could mean, who can join), or None
    # if it has not been derived yet.
    data["plain"] = get_store(request).derived("plain").get(stored.trial.nct_id)
    return data


@router.get("/trials/{nct_id}/history", summary="A trial's versions and what changed in each")
def get_history(request: Request, nct_id: str) -> list[dict[str, Any]]:
    stored = stored_trial(request, nct_id)
    return [
        {"version": v.version, "recorded_at": v.recorded_at.isoformat(), "changes": v.changes}
        for v in get_store(request).history(stored.trial.nct_id)
    ]


@router.get("/trials", summary="Search trials (no words: every open trial, most recently updated first)",
            response_model=SearchResponse,
            responses={422: {"description": "A parameter cannot be used; the detail says which and why "
                                            "(an unknown place comes with close names it does know)"}})
def search_trials(
    request: Request,
    q: str = Query("", max_length=1000, description="Words, as a person would say them: conditions, treatments, "
                   "a place (\"liver failure stem cells near Guangzhou\"). Synonyms, abbreviations and "
                   "misspellings are understood."),
    near: str | None = Query(None, max_length=200, description="A place: \"Guangzhou\", \"Springfield, IL\", "
                             "\"Paris, France\", or \"lat, lon\"."),
    within: str | None = Query(None, max_length=40, description="Distance from `near`: 50km, 30mi (default 100km)."),
    age: float | None = Query(None, ge=0, le=125, description="The person's age in years."),
    sex: str | None = Query(None, description="female or male: trials open to that sex."),
    status: list[str] = Query(["open"], description="open (default: recruiting, not yet recruiting, by "
                              "invitation, or not stated), any, or registry statuses such as completed."),
    phase: list[str] = Query([], description="early1, 1, 2, 3, 4, na (repeat or comma-separate)."),
    study_type: list[str] = Query([], description="interventional, observational, expanded_access."),
    country: list[str] = Query([], description="A country with a site (name or ISO code)."),
    condition: list[str] = Query([], description="A condition facet value, exactly as returned."),
    intervention_type: list[str] = Query([], description="drug, biological, device, procedure, …"),
    healthy_volunteers: bool | None = Query(None, description="true: only trials taking healthy volunteers."),
    first_posted_from: date | None = Query(None), first_posted_to: date | None = Query(None),
    updated_from: date | None = Query(None), updated_to: date | None = Query(None),
    page: int = Query(1, ge=1, le=500),
    per_page: int = Query(20, ge=1, le=100),
) -> Any:
    search = SearchRequest(
        q=q, near=near, within=within, age=age, sex=sex, status=tuple(status) or ("open",), phase=tuple(phase),
        study_type=tuple(study_type), country=tuple(country), condition=tuple(condition),
        intervention_type=tuple(intervention_type), healthy_volunteers=healthy_volunteers,
        first_posted_from=first_posted_from, first_posted_to=first_posted_to, updated_from=updated_from,
        updated_to=updated_to, page=page, per_page=per_page,
    )
    results, error = search_or_error(search_service(request), search)
    return api_error(error) if error else results.to_dict()


def check_trial(request: Request, nct_id: str, body: CheckRequest) -> CheckReport:
    """Check a person against one trial's eligibility criteria (nothing sent is stored or logged).

    Send exactly one of `profile` (form data), `fhir` (a FHIR R4 Bundle) or `note` (a clinical note
    in English), optionally with `answers` to the trial's questions. The answer has the trial verdict,
    every criterion with its status, reason and evidence, and the questions that would settle the
    unknowns (ask them back as `answers`).
    """
    stored = stored_trial(request, nct_id)
    try:
        return check_stored_trial(get_store(request), stored, body.to_input())
    except CheckFailed as exc:
        raise HTTPException(500, str(exc)) from None
    except ProfileError as exc:
        raise HTTPException(422, str(exc)) from None


router.add_api_route(
    "/trials/{nct_id}/check", check_trial, methods=["POST"], response_model=CheckReport,
    summary="Might this person qualify? Per-criterion verdicts for a profile, a FHIR bundle or a note",
    route_class_override=BoundedBodyRoute, tags=["eligibility"],
    responses={404: {"description": "No such trial"}, 413: {"description": "The body is larger than 10 MB"},
               422: {"description": "The profile cannot be used; the detail says why and what to send"}},
)


def match_trials(request: Request, body: MatchBody) -> Any:
    """Find trials for a person: ranked (likely eligible first, then need more information, then likely not
    eligible; nearer and open trials higher within each) and each explained: the conditions matched, the
    criteria met, the unknowns as questions, and the deciding criterion. Nothing sent is stored or logged."""
    try:
        results = request.app.state.matcher.match(body.request())
    except SemanticUnavailable as exc:
        return JSONResponse({"detail": exc.message}, status_code=409, headers=NO_STORE)
    except MatchError as exc:
        return JSONResponse({"detail": exc.message}, status_code=422, headers=NO_STORE)
    return JSONResponse(results.to_dict(), headers=NO_STORE)


router.add_api_route(
    "/match", match_trials, methods=["POST"], response_model=MatchResponse, tags=["matching"],
    summary="Find trials for me: a profile (form, FHIR bundle or note) in, ranked and explained trials out",
    route_class_override=BoundedBodyRoute,
    responses={409: {"description": "Semantic matching was required but is not installed or not built"},
               413: {"description": "The body is larger than 10 MB"},
               422: {"description": "The profile cannot be used (unreadable, or no condition to look for); the "
                                    "detail says why and what to send"}},
)
