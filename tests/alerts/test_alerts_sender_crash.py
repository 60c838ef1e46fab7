"""Senders killed with SIGKILL mid-batch, then a fresh one: every message arrives, each Message-ID once.

The sender is the real ``trialscout notify`` command in a subprocess; the SMTP server (in this
process) kills it while an alert is being handed over, at two moments:

1. before the server took the message: the next sender must send it (and nothing is sent twice);
2. after the server took it, before the sender heard "250": SMTP cannot tell the next sender, so
   it sends the same bytes with the same Message-ID again, and the mailbox, which keeps one message
   per Message-ID (as mail stores that suppress duplicates do), shows it once.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timezone

import sqlalchemy as sa

from alert_records import changed, nct
from test_alerts_delivery import link
from trialscout.alerts import Frequency
from trialscout.alerts.compose import compose_due
from trialscout.store.schema import alert_messages

SUBSCRIBERS = 9
LEASE_SECONDS = 1
FIRST_KILL, SECOND_KILL = 3, 6  # while handing over the 4th alert, then the 7th


def notify_process(site) -> subprocess.Popen:
    s = site.settings
    env = {**os.environ, "TRIALSCOUT_HOME": str(s.home), "TRIALSCOUT_DATABASE_URL": s.db_url,
           "TRIALSCOUT_LOAD_DEMO": "false", "TRIALSCOUT_SMTP_HOST": s.smtp_host, "TRIALSCOUT_SMTP_PORT": str(s.smtp_port),
           "TRIALSCOUT_SMTP_STARTTLS": "false", "TRIALSCOUT_MAIL_FROM": s.mail_from,
           "TRIALSCOUT_PUBLIC_URL": s.public_url, "TRIALSCOUT_NOTIFY_LEASE_SECONDS": str(LEASE_SECONDS)}
    return subprocess.Popen([sys.executable, "-c", "from trialscout.cli import main; main()", "notify", "--json"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def outbox(site) -> dict[str, str]:
    with site.store.engine.connect() as conn:
        return dict(conn.execute(sa.select(alert_messages.c.message_id, alert_messages.c.status)
                                 .where(alert_messages.c.kind == "alert")).all())


def test_killed_senders_lose_nothing_and_send_nothing_twice(site):
    mailbox, study = site.server.mailbox, site.studies[0]
    for n in range(SUBSCRIBERS):
        site.alerts.subscribe(f"reader{n}@example.org", [site.alerts.trial_target(nct(study))], Frequency.IMMEDIATE,
                              f"198.51.100.{n}")
    site.alerts.send_transactional()
    for delivery in mailbox.deliveries:
        site.alerts.confirm(link(delivery.text, "confirm"))
    site.sync(changed(study))
    assert compose_due(site.store, site.settings, site.alerts.links, datetime.now(timezone.utc)) == SUBSCRIBERS
    expected = outbox(site)
    assert len(expected) == SUBSCRIBERS and set(expected.values()) == {"pending"}
    mailbox.deliveries.clear()

    def kill_at(position: int, refuse: bool) -> float:
        """Run a sender and SIGKILL it while the server receives delivery number ``position``."""
        sender = notify_process(site)

        def kill_instead_of_storing(received: int) -> str | None:
            if received != position:
                return None
            os.kill(sender.pid, signal.SIGKILL)
            sender.wait(timeout=10)
            return "451 4.3.0 Try again later"  # the server did not take it

        def kill_after_storing(stored: int) -> None:
            if stored == position + 1:  # the server has it; the sender dies before hearing "250"
                os.kill(sender.pid, signal.SIGKILL)
                sender.wait(timeout=10)

        if refuse:
            mailbox.before_accept = kill_instead_of_storing
        else:
            mailbox.after_accept = kill_after_storing
        sender.wait(timeout=60)
        mailbox.before_accept = mailbox.after_accept = None
        assert sender.returncode == -signal.SIGKILL
        assert list(outbox(site).values()).count("sending") == 1  # the one it was handing over
        return time.monotonic()

    def wait_for_lease(killed: float) -> None:
        time.sleep(max(0.0, killed + LEASE_SECONDS + 0.1 - time.monotonic()))

    # 1. Killed before the server took the 4th alert.
    killed = kill_at(FIRST_KILL, refuse=True)
    assert len(mailbox.deliveries) == FIRST_KILL and list(outbox(site).values()).count("sent") == FIRST_KILL
    wait_for_lease(killed)
    # 2. The next sender resends it, then is killed after the server took the 7th (it never heard "250").
    killed = kill_at(SECOND_KILL, refuse=False)
    raw = [d.message_id for d in mailbox.deliveries]
    assert len(raw) == SECOND_KILL + 1 and len(set(raw)) == len(raw)  # so far every alert exactly once
    wait_for_lease(killed)
    # 3. A fresh sender finishes the batch.
    fresh = notify_process(site)
    out, errors = fresh.communicate(timeout=60)
    assert fresh.returncode == 0, errors
    assert json.loads(out)["sent"] == SUBSCRIBERS - SECOND_KILL

    assert set(outbox(site).values()) == {"sent"}
    assert set(mailbox.messages) == set(expected)  # every message arrived, one per Message-ID
    raw = [d.message_id for d in mailbox.deliveries]
    repeated = {m for m in raw if raw.count(m) > 1}
    assert len(raw) == SUBSCRIBERS + 1 and len(repeated) == 1  # only the one in doubt went twice ...
    assert len({d.data for d in mailbox.deliveries if d.message_id in repeated}) == 1  # ... byte for byte
    for n in range(SUBSCRIBERS):
        assert len(mailbox.to(f"reader{n}@example.org")) == 1
