"""Pages for staying informed: sign up, confirm, manage, stop, unsubscribe, "I'm interested", feeds.

Only reading forms and choosing pages happens here; every decision is in :mod:`trialscout.alerts`.
Every POST is checked by :mod:`trialscout.web.csrf`. Mail a person waits for (a confirmation link)
is sent right after the response, when an SMTP server is configured.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, BackgroundTasks, FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from ..alerts import (
    Alerts, Frequency, InterestForm, InvalidInput, InvalidToken, NoContact, TooManyRequests, UnknownTrial,
)
from ..alerts.models import SEARCH_PARAMETERS
from ..trial import Trial
from .csrf import hidden_field
from .deps import stored_trial

router = APIRouter(include_in_schema=False)
ATOM = "application/atom+xml; charset=utf-8"


def install(app: FastAPI, alerts: Alerts) -> None:
    """Mount the pages and give templates what the trial page's forms need."""
    app.state.alerts = alerts
    app.include_router(router)
    env = app.state.templates.env
    env.globals["csrf_field"] = hidden_field
    env.globals["trial_alerts"] = lambda trial: trial_alerts(alerts, trial)


def trial_alerts(alerts: Alerts, trial: Trial) -> dict[str, Any]:
    """What the trial page shows about updates and interest requests."""
    contact = alerts.contact_for(trial)
    return {"interest_count": alerts.interest_count(trial.nct_id), "contact": contact,
            "conditions": trial.conditions[:3], "feed": f"/trials/{trial.nct_id}/feed"}


def _alerts(request: Request) -> Alerts:
    return request.app.state.alerts


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _render(request: Request, template: str, context: dict[str, Any], status_code: int = 200,
            headers: dict[str, str] | None = None) -> HTMLResponse:
    return request.app.state.templates.TemplateResponse(request, template, context, status_code=status_code,
                                                        headers=headers)


def _refused(request: Request, exc: TooManyRequests) -> HTMLResponse:
    return _render(request, "alerts/message.html", {"title": "Please wait", "message": exc.message},
                   status_code=429, headers={"Retry-After": str(exc.retry_after_seconds)})


def _bad_link(request: Request, exc: InvalidToken) -> HTMLResponse:
    return _render(request, "alerts/message.html", {"title": "This link does not work", "message": exc.message},
                   status_code=404)


def _send_soon(background: BackgroundTasks, alerts: Alerts) -> None:
    background.add_task(alerts.send_transactional)


# --- sign-up ---------------------------------------------------------------------------------------

def _search_params(form: Any) -> dict[str, list[str]]:
    return {name: [v for v in form.getlist(name) if isinstance(v, str)] for name in SEARCH_PARAMETERS}


def _sign_up_context(form: Any) -> dict[str, Any]:
    return {"kind": form.get("kind") or "", "email": form.get("email") or "", "nct_id": form.get("nct_id") or "",
            "conditions": [c for c in form.getlist("condition") if isinstance(c, str)],
            "follow_trial": bool(form.get("follow_trial")), "search": _search_params(form),
            "frequency": form.get("frequency") or "immediate"}


@router.get("/alerts/subscribe", response_class=HTMLResponse)
def sign_up_page(request: Request) -> HTMLResponse:
    """The sign-up form on its own page (linked from search results: "e-mail me new trials like these")."""
    context = _sign_up_context(request.query_params)
    context["search_label"] = _search_label(context)
    return _render(request, "alerts/subscribe.html", context)


def _search_label(context: dict[str, Any]) -> str | None:
    if context["kind"] != "search":
        return None
    try:
        return Alerts.search_target(context["search"]).label
    except InvalidInput:
        return None


@router.post("/alerts/subscribe", response_class=HTMLResponse)
async def sign_up(request: Request, background: BackgroundTasks) -> HTMLResponse:
    form = await request.form()
    alerts = _alerts(request)
    context = _sign_up_context(form)
    try:
        targets = _targets(alerts, form, context)
        frequency = Frequency(context["frequency"]) if context["frequency"] in {"immediate", "daily"} \
            else Frequency.IMMEDIATE
        alerts.subscribe(context["email"], targets, frequency, _client(request))
    except InvalidInput as exc:
        context.update(error=exc.message, error_field=exc.field, search_label=_search_label(context))
        return _render(request, "alerts/subscribe.html", context, status_code=422)
    except UnknownTrial as exc:
        return _render(request, "alerts/message.html", {"title": "No such trial", "message": str(exc)}, 404)
    except TooManyRequests as exc:
        return _refused(request, exc)
    _send_soon(background, alerts)
    return _render(request, "alerts/message.html", {
        "title": "Check your inbox",
        "message": f"We sent a message to {context['email'].strip()}. Open the link in it to confirm. "
                   "Nothing is sent to you until you do. If it does not arrive in a few minutes, look in your "
                   "spam folder.",
    }, status_code=202)


def _targets(alerts: Alerts, form: FormData, context: dict[str, Any]) -> list:
    if context["kind"] == "search":
        return [alerts.search_target(context["search"])]
    targets = []
    if context["follow_trial"]:
        if not context["nct_id"]:
            raise InvalidInput("what", "Say which trial to follow.")
        targets.append(alerts.trial_target(context["nct_id"]))
    targets += [alerts.condition_target(c) for c in context["conditions"]]
    if not targets:
        raise InvalidInput("what", "Tick at least one box: this study's changes, or new studies for a condition.")
    return targets


@router.get("/alerts/confirm/{token}", response_class=HTMLResponse)
def confirm_page(request: Request, token: str) -> HTMLResponse:
    try:
        labels = _alerts(request).pending_labels(token)
    except InvalidToken as exc:
        return _bad_link(request, exc)
    if not labels:
        return _bad_link(request, InvalidToken())
    return _render(request, "alerts/confirm.html", {"labels": labels, "token": token, "done": False})


@router.post("/alerts/confirm/{token}", response_class=HTMLResponse)
def confirm(request: Request, token: str) -> HTMLResponse:
    try:
        manage_url, labels = _alerts(request).confirm(token)
    except InvalidToken as exc:
        return _bad_link(request, exc)
    return _render(request, "alerts/confirm.html", {"labels": labels, "manage_url": manage_url, "done": True})


# --- managing ---------------------------------------------------------------------------------------

@router.get("/alerts/manage/{token}", response_class=HTMLResponse)
def manage_page(request: Request, token: str) -> HTMLResponse:
    try:
        person = _alerts(request).subscriber(token)
    except InvalidToken as exc:
        return _bad_link(request, exc)
    return _render(request, "alerts/manage.html", {"person": person, "token": token,
                                                   "notice": request.query_params.get("done")})


@router.post("/alerts/manage/{token}", response_class=HTMLResponse)
async def manage(request: Request, token: str) -> Response:
    form = await request.form()
    alerts = _alerts(request)
    action = form.get("action")
    try:
        if action == "frequency":
            alerts.set_frequency(token, str(form.get("frequency") or ""))
            notice = "saved"
        elif action == "stop":
            alerts.stop_from_manage(token, str(form.get("subscription") or ""))
            notice = "stopped"
        elif action == "unsubscribe":
            alerts.unsubscribe(token, manage=True)
            return _render(request, "alerts/message.html", {
                "title": "You are unsubscribed",
                "message": "We deleted your e-mail address and everything you followed. You will get no more "
                           "e-mail from trialscout."})
        else:
            raise InvalidInput("action", "Choose what to change.")
        person = alerts.subscriber(token)
    except InvalidToken as exc:
        return _bad_link(request, exc)
    except (InvalidInput, UnknownTrial) as exc:
        person = alerts.subscriber(token)
        return _render(request, "alerts/manage.html", {"person": person, "token": token, "error": str(exc)}, 422)
    if not person.subscriptions:
        return _render(request, "alerts/message.html", {
            "title": "You are unsubscribed",
            "message": "That was the last thing you followed, so we deleted your e-mail address."})
    return _render(request, "alerts/manage.html", {"person": person, "token": token, "notice": notice})


@router.get("/alerts/stop/{token}", response_class=HTMLResponse)
def stop_page(request: Request, token: str) -> HTMLResponse:
    try:
        what = _alerts(request).stop_label(token)
    except InvalidToken as exc:
        return _bad_link(request, exc)
    if what is None:
        return _render(request, "alerts/message.html", {"title": "Already stopped",
                                                        "message": "You no longer get these updates."})
    return _render(request, "alerts/stop.html", {"what": what, "action": f"/alerts/stop/{token}", "all": False})


@router.post("/alerts/stop/{token}", response_class=HTMLResponse)
def stop(request: Request, token: str) -> HTMLResponse:
    try:
        what = _alerts(request).stop(token)
    except InvalidToken as exc:
        return _render(request, "alerts/message.html", {"title": "Already stopped", "message": exc.message})
    return _render(request, "alerts/message.html", {"title": "Stopped",
                                                    "message": f"You will no longer get {what}."})


@router.get("/alerts/unsubscribe/{token}", response_class=HTMLResponse)
def unsubscribe_page(request: Request, token: str) -> HTMLResponse:
    try:
        _alerts(request).check_unsubscribe_link(token)
    except InvalidToken as exc:
        return _bad_link(request, exc)
    return _render(request, "alerts/stop.html", {"what": "all e-mail from trialscout",
                                                 "action": f"/alerts/unsubscribe/{token}", "all": True})


@router.post("/alerts/unsubscribe/{token}", response_class=HTMLResponse)
def unsubscribe(request: Request, token: str) -> HTMLResponse:
    """The form's button and RFC 8058 one-click unsubscribe (mail programs POST here)."""
    try:
        _alerts(request).unsubscribe(token)
    except InvalidToken as exc:
        return _bad_link(request, exc)
    return _render(request, "alerts/message.html", {
        "title": "You are unsubscribed",
        "message": "We deleted your e-mail address and everything you followed. You will get no more e-mail "
                   "from trialscout."})


# --- "I'm interested" -----------------------------------------------------------------------------

@router.post("/trials/{nct_id}/interest", response_class=HTMLResponse)
async def interest(request: Request, nct_id: str, background: BackgroundTasks) -> HTMLResponse:
    stored = stored_trial(request, nct_id)
    form = await request.form()
    values = {k: str(form.get(k) or "") for k in ("name", "email", "phone", "message")}
    alerts = _alerts(request)
    request_form = InterestForm(nct_id=stored.trial.nct_id, consent=form.get("consent") == "yes", **values)
    try:
        alerts.request_interest(stored, request_form, _client(request))
    except InvalidInput as exc:
        return _render(request, "alerts/interest_form.html", {
            "t": stored.trial, "a": trial_alerts(alerts, stored.trial), "values": values, "error": exc.message,
            "error_field": exc.field}, status_code=422)
    except NoContact as exc:
        return _render(request, "alerts/message.html", {"title": "No e-mail contact", "message": str(exc)}, 404)
    except TooManyRequests as exc:
        return _refused(request, exc)
    _send_soon(background, alerts)
    return _render(request, "alerts/message.html", {
        "title": "Check your inbox",
        "message": f"We sent a message to {request_form.email.strip()}. Open the link in it and press \u201cSend\u201d: "
                   "only then does your request go to the study team.",
    }, status_code=202)


@router.get("/alerts/interest/{token}", response_class=HTMLResponse)
def interest_confirm_page(request: Request, token: str) -> HTMLResponse:
    try:
        found = _alerts(request).interest_request(token)
    except InvalidToken as exc:
        return _bad_link(request, exc)
    return _render(request, "alerts/interest.html", {"r": found, "token": token, "done": found.state == "sent"})


@router.post("/alerts/interest/{token}", response_class=HTMLResponse)
def interest_confirm(request: Request, token: str, background: BackgroundTasks) -> HTMLResponse:
    alerts = _alerts(request)
    try:
        found = alerts.confirm_interest(token)
    except InvalidToken as exc:
        return _bad_link(request, exc)
    _send_soon(background, alerts)
    return _render(request, "alerts/interest.html", {"r": found, "token": token, "done": True})


# --- feeds --------------------------------------------------------------------------------------------

@router.get("/trials/{nct_id}/feed")
def trial_feed(request: Request, nct_id: str) -> Response:
    stored = stored_trial(request, nct_id)
    return Response(_alerts(request).trial_feed(stored.trial.nct_id), media_type=ATOM)


@router.get("/feeds/condition/{condition:path}")
def condition_feed(request: Request, condition: str) -> Response:
    try:
        body = _alerts(request).condition_feed(condition)
    except InvalidInput as exc:
        return _render(request, "alerts/message.html", {"title": "Cannot make this feed", "message": exc.message}, 422)
    return Response(body, media_type=ATOM)


@router.get("/feeds/search")
def search_feed(request: Request) -> Response:
    try:
        body = _alerts(request).search_feed(_search_params(request.query_params))
    except InvalidInput as exc:
        return _render(request, "alerts/message.html", {"title": "Cannot make this feed", "message": exc.message}, 422)
    return Response(body, media_type=ATOM)
