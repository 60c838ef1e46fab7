"""``notify``: send what is due (confirmations, alerts, daily digests, "I'm interested" requests)."""

from __future__ import annotations

import typer
from rich.markup import escape

from ..alerts import Alerts, MailNotConfigured
from .common import JsonOption, err, out, print_json, settings, store


def register(app: typer.Typer) -> None:
    app.command("notify")(notify)


def notify(json_output: bool = JsonOption) -> None:
    """Match new trials to saved searches, write due e-mails, send them, and delete expired personal data.

    Exits with 1 when mail is waiting but cannot be sent (no SMTP server configured, or unreachable).
    """
    cfg = settings()
    alerts = Alerts(store(with_demo=False), cfg)
    summary = alerts.notify()
    if json_output:
        print_json(summary.to_dict())
    else:
        purged = sum(summary.purged.values())
        out.print(f"Matched {summary.matched:,} new-trial alerts, wrote {summary.composed:,} e-mails, sent "
                  f"{summary.sent:,}; {summary.retrying:,} will be retried, {summary.failed:,} failed, "
                  f"{summary.waiting:,} waiting; deleted {purged:,} expired records.")
    if summary.waiting and summary.mail != "configured":
        reason = str(MailNotConfigured()) if summary.mail == "not configured" else \
            f"the mail server is {summary.mail}; messages stay in the outbox and are retried"
        err.print(f"[bold red]error:[/] {escape(reason)}", highlight=False, soft_wrap=True)
        raise typer.Exit(1)
