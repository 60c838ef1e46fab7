"""``trialscout notify``, ``sync`` enqueueing alerts (against the fake registry), and the serve schedule."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from alert_records import changed, nct
from test_alerts_delivery import follow
from trialscout.alerts import Frequency, InterestForm
from trialscout.cli import app
from trialscout.cli.schedule import Job, Schedule, notify_job, parse_every, sync_job
from trialscout.store.schema import alert_interest, alert_items

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "registry"))
from fake_ctgov import Catalogue, FakeCtgov  # noqa: E402  (the registry tests' fake API server)

runner = CliRunner()


def env_of(site, **extra: str) -> dict[str, str]:
    s = site.settings
    return {"TRIALSCOUT_HOME": str(s.home), "TRIALSCOUT_DATABASE_URL": s.db_url, "TRIALSCOUT_LOAD_DEMO": "false",
            "TRIALSCOUT_SMTP_HOST": s.smtp_host or "", "TRIALSCOUT_SMTP_PORT": str(s.smtp_port),
            "TRIALSCOUT_SMTP_STARTTLS": "false", "TRIALSCOUT_PUBLIC_URL": s.public_url,
            "TRIALSCOUT_REGISTRY_REQUESTS_PER_MINUTE": "6000", "TRIALSCOUT_REGISTRY_PAGE_SIZE": "100", **extra}


def items(site) -> int:
    with site.store.engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(alert_items)).scalar_one()


def test_sync_enqueues_alerts_and_notify_sends_them(site):
    study = site.studies[0]
    follow(site, "ana@example.org", site.alerts.trial_target(nct(study)))
    with FakeCtgov(Catalogue([changed(study)])) as registry:
        synced = runner.invoke(app, ["sync", "--json"], env=env_of(site, TRIALSCOUT_REGISTRY_URL=registry.base_url))
    assert synced.exit_code == 0, synced.output
    assert json.loads(synced.stdout)["changed"] == 1 and items(site) == 1
    sent = runner.invoke(app, ["notify", "--json"], env=env_of(site))
    assert sent.exit_code == 0, sent.output
    summary = json.loads(sent.stdout)
    assert (summary["composed"], summary["sent"], summary["waiting"], summary["mail"]) == (1, 1, 0, "configured")
    assert "Status changed from Recruiting to Completed" in site.server.mailbox.deliveries[-1].text


def test_notify_without_a_mail_server_says_what_to_set_and_keeps_the_mail(site):
    site.alerts.subscribe("ana@example.org", [site.alerts.trial_target(nct(site.studies[0]))], Frequency.IMMEDIATE,
                          "203.0.113.3")
    result = runner.invoke(app, ["notify", "--json"], env=env_of(site, TRIALSCOUT_SMTP_HOST=""))
    assert result.exit_code == 1
    summary = json.loads(result.stdout)
    assert summary["mail"] == "not configured" and summary["waiting"] == 1
    assert "TRIALSCOUT_SMTP_HOST" in result.stderr
    assert runner.invoke(app, ["notify"], env=env_of(site)).exit_code == 0
    assert len(site.server.mailbox.deliveries) == 1


def test_notify_deletes_interest_requests_after_the_retention_period(site):
    stored = site.store.get(nct(site.studies[0]))
    site.alerts.request_interest(stored, InterestForm(nct_id=stored.trial.nct_id, name="Ana", email="ana@example.org",
                                                      consent=True), "203.0.113.4")
    result = runner.invoke(app, ["notify", "--json"], env=env_of(site, TRIALSCOUT_INTEREST_RETENTION_DAYS="0"))
    assert result.exit_code == 0
    assert json.loads(result.stdout)["purged"]["interest_requests"] == 1
    with site.store.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(alert_interest)).scalar_one() == 0


def test_durations_for_serve():
    assert parse_every("6h", "--sync-every") == 21600 and parse_every("5m", "--notify-every") == 300
    assert parse_every(None, "--sync-every") is None and parse_every("off", "--sync-every") is None
    for bad in ("soon", "5x", "1s"):
        with pytest.raises(Exception) as refused:
            parse_every(bad, "--notify-every")
        assert "--notify-every" in str(refused.value.param_hint)
    result = runner.invoke(app, ["serve", "--notify-every", "every day"])
    assert result.exit_code == 2 and "is not a duration" in result.output


def test_the_serve_schedule_syncs_then_notifies_in_the_background(site):
    study = site.studies[1]
    follow(site, "ana@example.org", site.alerts.trial_target(nct(study)))
    lines: list[str] = []
    with FakeCtgov(Catalogue([changed(study)])) as registry:
        settings = site.settings.__class__(**{**site.settings.__dict__, "registry_url": registry.base_url,
                                              "registry_requests_per_minute": 6000.0})
        schedule = Schedule([Job("sync", 3600, sync_job(settings, None, None)),
                             Job("notify", 3600, notify_job(settings))], report=lines.append).start()
        deadline = time.monotonic() + 30
        while len(lines) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        schedule.stop()
    assert lines[0].startswith("sync: 0 new, 1 changed"), lines
    assert lines[1].startswith("notify: sent 1"), lines
    assert "Status changed from Recruiting to Completed" in site.server.mailbox.deliveries[-1].text
