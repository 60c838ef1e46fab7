"""``serve``: the web site and API (and, if asked, sync and notify on a schedule)."""

from __future__ import annotations

import typer

from .common import settings, store


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)


def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, min=1, max=65535, help="Port to listen on."),
    sync_every: str = typer.Option(None, "--sync-every", help="Sync from ClinicalTrials.gov this often, e.g. 6h "
                                                              "(off by default)."),
    sync_condition: str = typer.Option(None, "--sync-condition", help="Scheduled syncs fetch only this condition."),
    sync_term: str = typer.Option(None, "--sync-term", help="Scheduled syncs fetch only trials matching this text."),
    notify_every: str = typer.Option(None, "--notify-every", help="Send due e-mail this often, e.g. 5m "
                                                                  "(off by default; `trialscout notify` does it once)."),
) -> None:
    """Serve the site and the JSON API (loads the demo snapshot on first run)."""
    import uvicorn

    from ..eligibility.nlp import pipeline
    from ..heap import settle_for_serving
    from ..web.app import create_app
    from .schedule import Job, Schedule, notify_job, parse_every, sync_job

    cfg = settings()
    jobs = []
    sync_seconds = parse_every(sync_every, "--sync-every")
    notify_seconds = parse_every(notify_every, "--notify-every")
    if sync_seconds:
        jobs.append(Job("sync", sync_seconds, sync_job(cfg, sync_condition, sync_term)))
    if notify_seconds:
        jobs.append(Job("notify", notify_seconds, notify_job(cfg)))
    store()  # load the demo before the first request, with a progress bar
    typer.echo(f"trialscout is serving {cfg.db_url} on http://{host}:{port}/", err=True)
    schedule = Schedule(jobs, report=lambda line: typer.echo(f"trialscout {line}", err=True)).start() if jobs else None
    web_app = create_app(cfg)
    pipeline()  # the criteria reader (spaCy, ConText rules): loaded now, then frozen with the rest
    settle_for_serving()
    try:
        uvicorn.run(web_app, host=host, port=port, log_level="warning", access_log=False)
    finally:
        if schedule is not None:
            schedule.stop()
