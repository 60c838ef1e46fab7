"""``serve``: the web site and API."""

from __future__ import annotations

import typer

from .common import settings, store


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)


def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, min=1, max=65535, help="Port to listen on."),
) -> None:
    """Serve the site and the JSON API (loads the demo snapshot on first run)."""
    import uvicorn

    from ..web.app import create_app

    cfg = settings()
    store()  # load the demo before the first request, with a progress bar
    typer.echo(f"trialscout is serving {cfg.db_url} on http://{host}:{port}/", err=True)
    uvicorn.run(create_app(cfg), host=host, port=port, log_level="warning", access_log=False)
