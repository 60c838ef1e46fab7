"""The web application: server-rendered pages and the JSON API over one store."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..config import Settings, load_settings
from ..services import load_demo_if_empty, open_store
from ..alerts import Alerts
from . import alerts_pages, api, check_pages, match_pages, pages, search_pages
from .csrf import CSRFMiddleware
from .view import registry_display

HERE = Path(__file__).parent


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app for ``settings``; the store is opened (and the demo loaded) once, here."""
    settings = settings or load_settings()
    store = open_store(settings)
    load_demo_if_empty(store, settings)
    app = FastAPI(
        title="trialscout",
        version="0.1.0",
        description="Clinical trials from ClinicalTrials.gov, in plain words. JSON API under /api/v1.",
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    app.state.settings = settings
    app.state.store = store
    app.state.templates = Jinja2Templates(directory=HERE / "templates")
    app.state.templates.env.filters["registry_text"] = registry_display  # registry Markdown escapes off
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    search_pages.attach_search(app, settings, store)
    app.include_router(api.router)
    app.include_router(pages.router)
    app.include_router(search_pages.router)
    alerts = Alerts(store, settings)
    alerts_pages.install(app, alerts)
    check_pages.install(app)
    match_pages.install(app)
    app.add_middleware(CSRFMiddleware, secret=alerts.secret, refuse=_refusal,
                       secure_cookie=settings.public_url.startswith("https://"),
                       one_click_prefixes=("/alerts/unsubscribe/", "/alerts/stop/"))
    _errors(app)
    return app


def _refusal(request: Request, status: int, message: str) -> HTMLResponse:
    """The page for a form post the CSRF check refused."""
    return request.app.state.templates.TemplateResponse(
        request, "error.html", {"status": status, "message": message}, status_code=status)


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _errors(app: FastAPI) -> None:
    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):  # type: ignore[no-untyped-def]
        if _wants_json(request):
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code)
        return request.app.state.templates.TemplateResponse(
            request, "error.html", {"status": exc.status_code, "message": exc.detail}, status_code=exc.status_code
        )

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError):  # type: ignore[no-untyped-def]
        problems = [f"{'.'.join(str(p) for p in e['loc'][1:])}: {e['msg']}" for e in exc.errors()]
        if _wants_json(request):
            return JSONResponse({"detail": problems}, status_code=422)
        return request.app.state.templates.TemplateResponse(
            request, "error.html", {"status": 422, "message": "; ".join(problems)}, status_code=422
        )
