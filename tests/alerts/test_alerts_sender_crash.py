"""A sender killed with SIGKILL mid-batch, then a fresh one: every message arrives, each Message-ID once.

The sender is the real ``trialscout notify`` command in a subprocess; the SMTP server (in this
process) kills it while the 5th alert is being handed over. Two moments are tested: before the
server took the message (it must be sent again) and after (the server has it; the sender never
heard "250"). In the second case SMTP cannot tell the new sender, so it sends the same bytes with
the same Message-ID again, and the mailbox, which keeps one message per Message-ID, shows it once.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa

from alert_records import changed, nct
from test_alerts_delivery import follow
from trialscout.alerts.compose import compose_due
from trialscout.store.schema import alert_messages

SUBSCRIBERS = 12
KILL_AT = 4  # zero-based: the 5th alert


def notify_process(site, lease_seconds: int) -> subprocess.Popen:
    s = site.settings
    env = {**os.environ, "TRIALSCOUT_HOME": str(s.home), "TRIALSCOUT_DATABASE_URL": s.db_url,
           "TRIALSCOUT_LOAD_DEMO": "false", "TRIALSCOUT_SMTP_HOST": s.smtp_host, "TRIALSCOUT_SMTP_PORT": str(s.smtp_port),
           "TRIALSCOUT_SMTP_STARTTLS": "false", "TRIALSCOUT_MAIL_FROM": s.mail_from,
           "TRIALSCOUT_PUBLIC_URL": s.public_url, "TRIALSCOUT_NOTIFY_LEASE_SECONDS": str(lease_seconds)}
    return subprocess.Popen([sys.executable, "-c", "from trialscout.cli import main; main()", "notify", "--json"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def outbox(site) -> dict[str, str]:
    with site.store.engine.connect() as conn:
        return dict(conn.execute(sa.select(alert_messages.c.message_id, alert_messages.c.status)
                                 .where(alert_messages.c.kind == "alert")).all())


@pytest.mark.parametrize("moment", ["before the server took it", "after the server took it"])
def test_a_killed_sender_loses_nothing_and_sends_nothing_twice(site, smtp, moment):
    site.server = smtp
    study = site.studies[0]
    for n in range(SUBSCRIBERS):
        site.alerts.subscribe(f"reader{n}@example.org", [site.alerts.trial_target(nct(study))], "immediate",
                              f"198.51.100.{n}")
    site.alerts.send_transactional()
    for delivery in smtp.mailbox.deliveries:
        from test_alerts_delivery import link
        site.alerts.confirm(link(delivery.text, "confirm"))
    site.sync(changed(study))
    assert compose_due(site.store, site.settings, site.alerts.links, datetime.now(timezone.utc)) == SUBSCRIBERS
    expected = outbox(site)
    assert len(expected) == SUBSCRIBERS and set(expected.values()) == {"pending"}

    smtp.mailbox.deliveries.clear()
    sender = notify_process(site, lease_seconds=2)

    def kill_mid_batch(accepted: int) -> str | None:
        if accepted != KILL_AT:
            return None
        os.kill(sender.pid, signal.SIGKILL)
        sender.wait(timeout=10)
        return "451 4.3.0 Try again later" if moment == "before the server took it" else None

    smtp.mailbox.before_accept = kill_mid_batch
    sender.wait(timeout=60)
    assert sender.returncode == -signal.SIGKILL
    smtp.mailbox.before_accept = None
    statuses = outbox(site)
    assert list(statuses.values()).count("sent") == KILL_AT and list(statuses.values()).count("sending") == 1

    time.sleep(2.2)  # the dead sender's lease on its message runs out
    fresh = notify_process(site, lease_seconds=2)
    out, errors = fresh.communicate(timeout=60)
    assert fresh.returncode == 0, errors
    assert json.loads(out)["sent"] == SUBSCRIBERS - KILL_AT

    assert set(outbox(site).values()) == {"sent"}
    assert set(smtp.mailbox.messages) == set(expected)  # every message arrived, one per Message-ID
    raw = [d.message_id for d in smtp.mailbox.deliveries]
    repeated = {m for m in raw if raw.count(m) > 1}
    if moment == "before the server took it":
        assert len(raw) == SUBSCRIBERS and not repeated  # delivered exactly once
    else:
        # The one in doubt went again: same Message-ID, same bytes, so the mailbox holds it once.
        assert len(raw) == SUBSCRIBERS + 1 and len(repeated) == 1
        copies = {d.data for d in smtp.mailbox.deliveries if d.message_id in repeated}
        assert len(copies) == 1
    for address in (f"reader{n}@example.org" for n in range(SUBSCRIBERS)):
        assert len(smtp.mailbox.to(address)) == 1
