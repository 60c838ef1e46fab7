"""Subscriptions, change alerts and the outbox, against a real SMTP server, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from alert_records import GUANGZHOU, changed, last_update, nct
from alert_smtp import USER
from trialscout.alerts import Frequency
from trialscout.alerts.matching import SearchMatcher
from trialscout.store.schema import ALERT_TABLES, alert_items, alert_messages, trial_versions

ANA = "ana.lopez@example.org"
CLIENT = "203.0.113.7"


def link(text: str, kind: str) -> str:
    found = re.search(rf"/alerts/{kind}/([0-9a-f]{{32}}\.[A-Za-z0-9_-]+)", text)
    assert found, f"no {kind} link in:\n{text}"
    return found.group(1)


def follow(site, address: str, *targets, frequency=Frequency.IMMEDIATE) -> None:
    """Sign up and confirm through the link in the mail, as a person would."""
    before = len(site_mail(site).deliveries)
    site.alerts.subscribe(address, list(targets), frequency, CLIENT)
    site.alerts.send_transactional()
    confirmation = site_mail(site).deliveries[before:]
    assert [d.recipients for d in confirmation] == [(address,)]
    site.alerts.confirm(link(confirmation[0].text, "confirm"))


def site_mail(site):
    return site.server.mailbox


@pytest.fixture
def tls_site(make_site, tls_smtp):
    return make_site(tls_smtp, tls=True)


@pytest.fixture
def plain_site(site):
    return site


def held_anywhere(site, text: str) -> list[str]:
    """Alert tables (and columns) still holding ``text``."""
    found = []
    with site.store.engine.connect() as conn:
        for table in ALERT_TABLES:
            for row in conn.execute(sa.select(table)):
                for column, value in row._mapping.items():
                    if isinstance(value, bytes):
                        value = value.decode(errors="replace")
                    if isinstance(value, str) and text.lower() in value.lower():
                        found.append(f"{table.name}.{column}")
    return found


def test_a_change_reaches_a_confirmed_subscriber_once_over_starttls_with_a_plain_diff(tls_site):
    site, mailbox = tls_site, tls_site.server.mailbox
    study = site.studies[0]
    trial_id = nct(study)
    site.alerts.subscribe(ANA, [site.alerts.trial_target(trial_id)], Frequency.IMMEDIATE, CLIENT)
    site.alerts.send_transactional()
    [confirmation] = mailbox.deliveries
    assert confirmation.tls and confirmation.authenticated_as == USER
    assert "Nothing will be sent until you confirm" in confirmation.text and trial_id in confirmation.text

    # A change before confirming sends nothing: the address has not said yes yet.
    interim = changed(study, status="ACTIVE_NOT_RECRUITING", new_site=None, days=10)
    site.sync(interim)
    summary = site.alerts.notify()
    assert summary.sent == 0 and len(mailbox.deliveries) == 1

    site.alerts.confirm(link(confirmation.text, "confirm"))
    later = changed(interim, status="COMPLETED", new_site=GUANGZHOU, days=20)
    report = site.sync(later)
    assert report.result.changed == [trial_id]
    summary = site.alerts.notify()
    assert (summary.composed, summary.sent, summary.waiting) == (1, 1, 0)
    [alert] = mailbox.deliveries[1:]
    text = alert.text
    assert alert.recipients == (ANA,) and alert.tls and alert.authenticated_as == USER
    assert f"Status changed from Active, not recruiting to Completed on {last_update(later)}" in text
    assert "A new site opened in Guangzhou, China: Third Affiliated Hospital of Sun Yat-sen University (Recruiting)" in text
    assert f"http://trialscout.test/trials/{trial_id}" in text
    assert str(alert.message["Subject"]).startswith("Update: ")
    assert alert.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = re.fullmatch(r"<http://trialscout\.test/alerts/unsubscribe/(\S+)>", alert.message["List-Unsubscribe"])
    assert unsubscribe and alert.message_id.endswith("@trialscout.test>")
    raw_header = re.search(rb"\r\nList-Unsubscribe: ([^\r\n]+)\r\n", alert.data)  # one plain line, not encoded
    assert raw_header and raw_header.group(1).decode() == alert.message["List-Unsubscribe"]

    assert site.alerts.notify().sent == 0  # nothing twice
    assert len(mailbox.deliveries) == 2

    assert site.alerts.unsubscribe(unsubscribe.group(1)) == 1
    assert held_anywhere(site, ANA) == []  # the address is gone, with everything queued for it
    site.sync(changed(later, status="TERMINATED", new_site=None, days=40))
    assert site.alerts.notify().sent == 0 and len(mailbox.deliveries) == 2


def test_alerts_are_written_in_the_same_transaction_as_the_change(plain_site):
    site = plain_site
    study = site.studies[1]
    follow(site, ANA, site.alerts.trial_target(nct(study)))

    def broken_after_alerts(conn, result, now):
        raise RuntimeError("the batch fails after the alerts were written")

    site.store.write_hooks.append(broken_after_alerts)
    with pytest.raises(RuntimeError):
        site.sync(changed(study))
    site.store.write_hooks.remove(broken_after_alerts)
    with site.store.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(alert_items)).scalar_one() == 0
        assert conn.execute(sa.select(sa.func.count()).select_from(trial_versions)
                            .where(trial_versions.c.nct_id == nct(study))).scalar_one() == 1
    site.sync(changed(study))
    with site.store.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(alert_items)).scalar_one() == 1
    assert site.alerts.notify().sent == 1


def test_refusals_are_retried_with_growing_pauses_then_delivered_once(plain_site):
    site, mailbox = plain_site, plain_site.server.mailbox
    clock = [datetime.now(timezone.utc)]
    site.alerts.clock = lambda: clock[0]
    follow(site, ANA, site.alerts.trial_target(nct(site.studies[0])))
    site.sync(changed(site.studies[0]))
    refusals = iter(["451 4.3.0 Mailbox busy, try later", "421 4.7.0 Try again later"])
    mailbox.before_accept = lambda _n: next(refusals, None)

    first = site.alerts.notify()
    assert (first.sent, first.retrying) == (0, 1)
    assert site.alerts.notify().sent == 0  # not due yet
    with site.store.engine.connect() as conn:
        due, attempts, error = conn.execute(sa.select(alert_messages.c.next_attempt_at, alert_messages.c.attempts,
                                                      alert_messages.c.last_error)
                                            .where(alert_messages.c.kind == "alert")).one()
    assert attempts == 1 and "451" in error and ANA not in error
    clock[0] += timedelta(seconds=61)
    assert site.alerts.notify().retrying == 1  # the 421: now it waits two minutes
    clock[0] += timedelta(seconds=61)
    assert site.alerts.notify().sent == 0
    clock[0] += timedelta(seconds=61)
    assert site.alerts.notify().sent == 1
    alerts = [d for d in mailbox.deliveries if "Update:" in str(d.message["Subject"])]
    assert len(alerts) == 1


def test_a_permanent_refusal_is_not_retried_and_the_text_is_dropped(plain_site):
    site, mailbox = plain_site, plain_site.server.mailbox
    follow(site, ANA, site.alerts.trial_target(nct(site.studies[0])))
    site.sync(changed(site.studies[0]))
    mailbox.before_accept = lambda _n: "550 5.1.1 Mailbox unavailable"
    summary = site.alerts.notify()
    assert (summary.sent, summary.failed, summary.waiting) == (0, 1, 0)
    with site.store.engine.connect() as conn:
        status, body, recipient = conn.execute(sa.select(alert_messages.c.status, alert_messages.c.body,
                                                         alert_messages.c.recipient)
                                               .where(alert_messages.c.kind == "alert")).one()
    assert (status, body, recipient) == ("failed", None, None)


def test_a_daily_subscriber_gets_one_summary_a_day(plain_site):
    site, mailbox = plain_site, plain_site.server.mailbox
    clock = [datetime.now(timezone.utc)]
    site.alerts.clock = lambda: clock[0]
    first, second, third = site.studies
    follow(site, ANA, *(site.alerts.trial_target(nct(s)) for s in (first, second, third)),
           frequency=Frequency.DAILY)
    site.sync(changed(first))
    assert site.alerts.notify().sent == 1  # the first summary goes at once
    site.sync(changed(second), name="two.json")
    site.sync(changed(third), name="three.json")
    assert site.alerts.notify().sent == 0  # the next one waits for the day to pass
    clock[0] += timedelta(hours=24, minutes=1)
    assert site.alerts.notify().sent == 1
    summary = mailbox.deliveries[-1]
    assert "daily summary" in summary.text
    assert nct(second) in summary.text and nct(third) in summary.text and nct(first) not in summary.text
    assert str(summary.message["Subject"]) == "2 updates about trials you follow"


def test_new_trials_for_a_condition_are_found_with_the_site_search(plain_site, studies):
    site, mailbox = plain_site, plain_site.server.mailbox
    imported = {nct(s) for s in site.studies}
    newcomer = next(s for s in studies if nct(s) not in imported
                    and s["protocolSection"]["statusModule"].get("overallStatus") == "RECRUITING"
                    and s["protocolSection"].get("conditionsModule", {}).get("conditions"))
    condition = newcomer["protocolSection"]["conditionsModule"]["conditions"][0]
    follow(site, ANA, site.alerts.condition_target(condition))
    assert isinstance(site.alerts.matcher, SearchMatcher)  # the index the search page uses
    site.sync(newcomer)
    summary = site.alerts.notify()
    assert summary.sent == 1
    alert = mailbox.deliveries[-1]
    assert nct(newcomer) in alert.text and f"New trials for \u201c{condition}\u201d" in alert.text
    assert not imported & set(re.findall(r"NCT\d{8}", alert.text))  # trials seen before signing up are not "new"
    site.sync(newcomer)
    assert site.alerts.notify().sent == 0


def test_an_interest_request_is_sent_once_and_counted_once(plain_site):
    from trialscout.alerts import InterestForm

    site, mailbox = plain_site, plain_site.server.mailbox
    stored = site.store.get(nct(site.studies[0]))
    form = InterestForm(nct_id=stored.trial.nct_id, name="Ana López", email=ANA, message="Can I join?", consent=True)
    site.alerts.request_interest(stored, form, CLIENT)
    site.alerts.send_transactional()
    token = link(mailbox.deliveries[0].text, "interest")
    assert site.alerts.interest_count(stored.trial.nct_id) == 0  # not before the person confirms
    for _ in range(2):  # confirming twice sends and counts once
        site.alerts.confirm_interest(token)
    site.alerts.send_transactional()
    assert len(mailbox.deliveries) == 2 and site.alerts.interest_count(stored.trial.nct_id) == 1
    assert "Can I join?" in mailbox.deliveries[1].text
