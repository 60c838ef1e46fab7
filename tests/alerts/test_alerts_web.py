"""The forms and links as a browser without JavaScript uses them (FastAPI's TestClient, real SMTP)."""

from __future__ import annotations

import logging
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from alert_records import changed, nct
from trialscout.store.schema import alert_interest, alert_messages, alert_subscribers, alert_subscriptions
from trialscout.web.app import create_app

ANA = "ana.lopez@example.org"


def token_on(page_html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page_html).group(1)


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def link_in(text: str, kind: str) -> str:
    found = re.search(rf"http://trialscout\.test(/alerts/{kind}/[0-9a-f]{{32}}\.[A-Za-z0-9_-]+)", text)
    assert found, f"no {kind} link in:\n{text}"
    return found.group(1)


@pytest.fixture
def web(sqlite_site):
    app = create_app(sqlite_site.settings)
    sqlite_site.app = app
    return sqlite_site


def browser(site, address: str = "203.0.113.10") -> TestClient:
    return TestClient(site.app, client=(address, 40000))


def sign_up(client: TestClient, trial_id: str, email: str = ANA, **extra):
    page = client.get(f"/trials/{trial_id}")
    form = {"csrf_token": token_on(page.text), "nct_id": trial_id, "follow_trial": "yes", "email": email,
            "frequency": "immediate", **extra}
    return client.post("/alerts/subscribe", data=form)


def count(site, table) -> int:
    with site.store.engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()


def test_get_updates_from_the_trial_page_needs_the_link_and_a_button(web):
    client, trial_id = browser(web), nct(web.studies[0])
    answer = sign_up(client, trial_id)
    assert answer.status_code == 202 and "Check your inbox" in answer.text
    [mail] = web.server.mailbox.deliveries
    confirm = link_in(mail.text, "confirm")
    page = client.get(confirm)  # opening the link (or a mail scanner fetching it) starts nothing
    assert page.status_code == 200 and "Confirm" in page.text
    with web.store.engine.connect() as conn:
        assert conn.execute(sa.select(alert_subscriptions.c.state)).scalars().all() == ["pending"]
    done = client.post(confirm, data={"csrf_token": token_on(page.text)})
    assert "You are subscribed" in done.text and trial_id in done.text
    again = client.post(confirm, data={"csrf_token": token_on(page.text)})  # replayed: harmless
    assert "You are subscribed" in again.text
    with web.store.engine.connect() as conn:
        assert conn.execute(sa.select(alert_subscriptions.c.state)).scalars().all() == ["active"]
    manage = re.search(r'href="http://trialscout\.test(/alerts/manage/[^"]+)"', done.text).group(1)
    assert ANA in client.get(manage).text
    forged = confirm[:-6] + "AAAAAA"
    refused = client.get(forged)
    assert refused.status_code == 404 and "This link does not work" in refused.text
    assert client.get("/alerts/manage/" + "0" * 32 + ".x").status_code == 404


def test_every_form_post_needs_this_sites_token(web):
    trial_id = nct(web.studies[0])
    visitor, attacker = browser(web), browser(web, "198.51.100.66")
    visitor_token = token_on(visitor.get(f"/trials/{trial_id}").text)
    attacker.get(f"/trials/{trial_id}")
    form = {"nct_id": trial_id, "follow_trial": "yes", "email": ANA}
    missing = visitor.post("/alerts/subscribe", data=form)
    assert missing.status_code == 403 and "Reload the page" in missing.text
    # A cross-site post carries the visitor's cookie but cannot know the matching field.
    stolen = attacker.post("/alerts/subscribe", data={**form, "csrf_token": visitor_token})
    assert stolen.status_code == 403
    no_cookie = TestClient(web.app).post("/alerts/subscribe", data={**form, "csrf_token": visitor_token})
    assert no_cookie.status_code == 403 and "cookie" in no_cookie.text
    interest = visitor.post(f"/trials/{trial_id}/interest", data={"name": "Ana", "email": ANA, "consent": "yes"})
    assert interest.status_code == 403
    assert count(web, alert_messages) == 0 and web.server.mailbox.deliveries == []


def test_one_click_unsubscribe_from_the_mail_header_deletes_the_address(web):
    client, study = browser(web), web.studies[0]
    sign_up(client, nct(study))
    confirm = link_in(web.server.mailbox.deliveries[0].text, "confirm")
    client.post(confirm, data={"csrf_token": token_on(client.get(confirm).text)})
    web.sync(changed(study))
    assert web.alerts.notify().sent == 1
    alert = web.server.mailbox.deliveries[-1].message
    url = alert["List-Unsubscribe"].strip("<>").replace("http://trialscout.test", "")
    page = TestClient(web.app).get(url)
    assert "Unsubscribe from everything" in page.text and count(web, alert_subscribers) == 1
    # What a mail program does (RFC 8058): a POST with this body, no cookie, no form token.
    one_click = TestClient(web.app).post(url, content=b"List-Unsubscribe=One-Click",
                                         headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert one_click.status_code == 200 and "You are unsubscribed" in one_click.text
    assert count(web, alert_subscribers) == 0 and count(web, alert_subscriptions) == 0
    again = TestClient(web.app).post(url, content=b"List-Unsubscribe=One-Click",
                                     headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert again.status_code == 200
    bad = TestClient(web.app).post("/alerts/unsubscribe/" + "1" * 32 + ".forged", content=b"List-Unsubscribe=One-Click",
                                   headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert bad.status_code == 404
    # Anything else than the one-click body still needs the form token.
    assert TestClient(web.app).post(url, data={"x": "y"}).status_code == 403


def test_a_thousand_sign_ups_from_one_network_mostly_refused(web):
    client, trial_id = browser(web, "192.0.2.44"), nct(web.studies[0])
    token = token_on(client.get(f"/trials/{trial_id}").text)
    codes = []
    for n in range(1000):
        answer = client.post("/alerts/subscribe", data={"csrf_token": token, "nct_id": trial_id,
                                                        "follow_trial": "yes", "email": f"bulk{n}@example.org"})
        codes.append(answer.status_code)
    assert codes.count(202) == 10 and codes.count(429) == 990
    assert "Try again in an hour" in answer.text and int(answer.headers["Retry-After"]) > 0
    assert len(web.server.mailbox.deliveries) == 10
    # Another network is not blocked.
    assert sign_up(browser(web, "192.0.2.45"), trial_id, "other@example.org").status_code == 202


def test_one_address_gets_at_most_three_confirmation_mails_a_day(web):
    trial_id = nct(web.studies[0])
    codes = [sign_up(browser(web, f"192.0.2.{n}"), trial_id, "victim@example.org").status_code for n in range(5)]
    assert codes == [202, 202, 202, 429, 429]
    assert len(web.server.mailbox.to("victim@example.org")) == 3


@pytest.mark.parametrize("email, message", [
    ("not-an-address", "does not look like an e-mail address"),
    ("ana@example.org\r\nBcc: everyone@example.org", "cannot be used"),
    ("", "Enter your e-mail address"),
])
def test_bad_addresses_are_refused_on_the_form(web, email, message):
    answer = sign_up(browser(web), nct(web.studies[0]), email)
    assert answer.status_code == 422 and message in text_of(answer.text)
    assert 'aria-invalid="true"' in answer.text and count(web, alert_messages) == 0


def test_unknown_trial_and_nothing_ticked_are_refused(web):
    client = browser(web)
    token = token_on(client.get(f"/trials/{nct(web.studies[0])}").text)
    unknown = client.post("/alerts/subscribe", data={"csrf_token": token, "nct_id": "NCT99999999",
                                                     "follow_trial": "yes", "email": ANA})
    assert unknown.status_code == 404 and "No trial NCT99999999" in unknown.text
    nothing = client.post("/alerts/subscribe", data={"csrf_token": token, "email": ANA})
    assert nothing.status_code == 422 and "Tick at least one box" in nothing.text


def interest_form(client: TestClient, trial_id: str, **values):
    page = client.get(f"/trials/{trial_id}")
    form = {"csrf_token": token_on(page.text), "name": "Ana López", "email": ANA, "phone": "+34 600 000 000",
            "message": "I have liver disease and live nearby. Can I join?", "consent": "yes", **values}
    return client.post(f"/trials/{trial_id}/interest", data=form)


def contact_of(study: dict) -> str:
    return next(c["email"] for c in study["protocolSection"]["contactsLocationsModule"]["centralContacts"]
                if c.get("email"))


def test_interest_goes_to_the_trial_contact_only_after_the_person_confirms(web, caplog):
    caplog.set_level(logging.DEBUG)
    client, study = browser(web), web.studies[0]
    trial_id, contact = nct(study), contact_of(study)
    page = client.get(f"/trials/{trial_id}")
    assert "Nobody has asked about this trial" in page.text and contact in text_of(page.text)
    answer = interest_form(client, trial_id)
    assert answer.status_code == 202
    [check] = web.server.mailbox.deliveries
    assert check.recipients == (ANA,) and web.server.mailbox.to(contact.lower()) == []
    confirm = link_in(check.text, "interest")
    summary = client.get(confirm)
    assert "Send your interest to the study team?" in summary.text and "Can I join?" in summary.text
    sent = client.post(confirm, data={"csrf_token": token_on(summary.text)})
    assert "Sent to the study team" in sent.text
    [request] = [d for d in web.server.mailbox.deliveries if d.recipients != (ANA,)]
    assert request.recipients[0].lower() == contact.lower()
    assert request.message["Reply-To"].addresses[0].addr_spec == ANA
    assert "Ana López" in request.text and "Can I join?" in request.text and trial_id in request.text
    assert client.post(confirm, data={"csrf_token": token_on(summary.text)}).status_code == 200  # replay: no resend
    assert len(web.server.mailbox.deliveries) == 2
    assert "1 person asked about this trial" in client.get(f"/trials/{trial_id}").text
    second = interest_form(browser(web, "203.0.113.99"), trial_id)
    assert second.status_code == 422 and "You already sent a request about this trial" in second.text
    # Nothing personal in trialscout's logs ("mail.log" is the receiving test server's own log).
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name != "mail.log")
    assert logged  # the requests above were logged (by the HTTP client), so this looks at something
    assert ANA not in logged and "López" not in logged and "+34" not in logged

    # Kept only as long as configured: then gone, with the count left.
    web.alerts.purge(now=web.alerts.clock() + timedelta(days=web.settings.interest_retention_days + 1))
    assert count(web, alert_interest) == 0
    assert "1 person asked about this trial" in client.get(f"/trials/{trial_id}").text


@pytest.mark.parametrize("values, message", [
    ({"name": "Ana\r\nBcc: spam@example.org"}, "cannot contain line breaks"),
    ({"consent": ""}, "Tick the box"),
    ({"email": "ana@"}, "does not look like an e-mail address"),
    ({"message": "x" * 1200}, "under 1,000 characters"),
])
def test_bad_interest_requests_are_refused_and_nothing_is_sent(web, values, message):
    answer = interest_form(browser(web), nct(web.studies[0]), **values)
    assert answer.status_code == 422 and message in text_of(answer.text)
    assert web.server.mailbox.deliveries == [] and count(web, alert_interest) == 0


def test_interest_limits_per_network(web):
    trial_id, client = nct(web.studies[0]), browser(web, "192.0.2.200")
    codes = [interest_form(client, trial_id, email=f"p{n}@example.org").status_code for n in range(7)]
    assert codes == [202] * 5 + [429] * 2


def test_the_management_page_changes_frequency_and_stops_subscriptions(web):
    client, (first, second, _) = browser(web), web.studies
    web.alerts.subscribe(ANA, [web.alerts.trial_target(nct(first)), web.alerts.trial_target(nct(second))],
                         "immediate", "203.0.113.1")
    web.alerts.send_transactional()
    manage, _labels = web.alerts.confirm(link_in(web.server.mailbox.deliveries[0].text, "confirm").rsplit("/", 1)[1])
    path = manage.replace("http://trialscout.test", "")
    page = client.get(path)
    token = token_on(page.text)
    assert page.text.count('value="stop"') == 2
    saved = client.post(path, data={"csrf_token": token, "action": "frequency", "frequency": "daily"})
    assert "Saved." in saved.text and 'value="daily" checked' in saved.text
    key = re.search(r'name="subscription" value="([0-9a-f]{32})"', saved.text).group(1)
    stopped = client.post(path, data={"csrf_token": token, "action": "stop", "subscription": key})
    assert "Stopped." in stopped.text and stopped.text.count('value="stop"') == 1
    gone = client.post(path, data={"csrf_token": token, "action": "unsubscribe"})
    assert "You are unsubscribed" in gone.text and count(web, alert_subscribers) == 0
    assert client.get(path).status_code == 404


def test_a_saved_search_from_the_search_page_sends_new_matching_trials(web, studies):
    imported = {nct(s) for s in web.studies}
    newcomer = next(s for s in studies if nct(s) not in imported
                    and s["protocolSection"]["statusModule"].get("overallStatus") == "RECRUITING"
                    and s["protocolSection"].get("conditionsModule", {}).get("conditions"))
    words = newcomer["protocolSection"]["conditionsModule"]["conditions"][0]
    client = browser(web)
    form = client.get("/alerts/subscribe", params={"kind": "search", "q": words, "status": "open", "page": "2"})
    assert f"new trials matching \u201c{words}\u201d (status: open)" in form.text
    answer = client.post("/alerts/subscribe", data={"csrf_token": token_on(form.text), "kind": "search", "q": words,
                                                    "status": "open", "email": ANA})
    assert answer.status_code == 202
    confirm = link_in(web.server.mailbox.deliveries[0].text, "confirm")
    client.post(confirm, data={"csrf_token": token_on(client.get(confirm).text)})
    web.sync(newcomer)
    assert web.alerts.notify().sent == 1
    alert = web.server.mailbox.deliveries[-1].text
    assert nct(newcomer) in alert and f"New trials matching \u201c{words}\u201d" in alert
    bad = client.post("/alerts/subscribe", data={"csrf_token": token_on(form.text), "kind": "search", "q": words,
                                                 "phase": "phase 9", "email": ANA})
    assert bad.status_code == 422 and "Unknown phase" in bad.text
