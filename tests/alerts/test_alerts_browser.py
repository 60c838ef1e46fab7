"""A person in real Chromium (JavaScript off): get updates, confirm from the mail, a sync changes the
trial, ``trialscout notify`` sends one mail with the changes, unsubscribe works; "I'm interested"
reaches the trial's contact; the trial's feed is valid Atom."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from alert_records import changed, last_update, nct
from support.browser import new_page, serve_app
from test_alerts_feeds import check_atom
from trialscout.cli import app as cli
from trialscout.web.app import create_app

pytestmark = pytest.mark.browser
ANA = "ana.lopez@example.org"


def local(url_in_mail: str, base: str) -> str:
    return url_in_mail.replace("http://trialscout.test", base)


def mail_link(text: str, kind: str) -> str:
    return re.search(rf"http://trialscout\.test/alerts/{kind}/\S+", text).group(0)


def test_a_person_follows_a_trial_hears_about_its_change_and_reaches_its_team(browser, sqlite_site, monkeypatch):
    site, mailbox = sqlite_site, sqlite_site.server.mailbox
    study = site.studies[0]
    trial_id = nct(study)
    contact = next(c for c in study["protocolSection"]["contactsLocationsModule"]["centralContacts"] if c.get("email"))
    with serve_app(create_app(site.settings)) as base, new_page(browser, java_script_enabled=False) as page:
        page.goto(f"{base}/trials/{trial_id}")
        updates = page.locator("section:has(h2:text-is('Get updates'))")
        assert updates.get_by_label("this study changes").is_checked()
        updates.get_by_label("Your e-mail address").fill(ANA)
        updates.get_by_role("button", name="Get updates").click()
        assert page.locator("h1").inner_text() == "Check your inbox"
        [confirmation] = mailbox.wait_for(1)
        assert confirmation.recipients == (ANA,)

        page.goto(local(mail_link(confirmation.text, "confirm"), base))
        page.get_by_role("button", name="Confirm").click()
        assert page.locator("h1").inner_text() == "You are subscribed"
        assert trial_id in page.locator("main").inner_text()

        later = changed(study)  # a modified copy of the record, as the next sync brings it
        site.sync(later)
        for name, value in {"TRIALSCOUT_HOME": str(site.settings.home), "TRIALSCOUT_DATABASE_URL": site.settings.db_url,
                            "TRIALSCOUT_LOAD_DEMO": "false", "TRIALSCOUT_SMTP_HOST": "127.0.0.1",
                            "TRIALSCOUT_SMTP_PORT": str(site.settings.smtp_port), "TRIALSCOUT_SMTP_STARTTLS": "false",
                            "TRIALSCOUT_PUBLIC_URL": "http://trialscout.test"}.items():
            monkeypatch.setenv(name, value)
        result = CliRunner().invoke(cli, ["notify", "--json"], catch_exceptions=False)
        assert result.exit_code == 0 and '"sent": 1' in result.stdout
        alerts = [d for d in mailbox.deliveries if d.message_id != confirmation.message_id]
        assert len(alerts) == 1
        text = alerts[0].text
        assert f"Status changed from Recruiting to Completed on {last_update(later)}" in text
        assert "A new site opened in Guangzhou, China" in text

        page.goto(f"{base}/trials/{trial_id}")
        history = page.locator("section:has(h2:text-is('History'))").inner_text()
        assert "Status changed from Recruiting to Completed" in history and "first seen by trialscout" in history

        page.goto(local(mail_link(text, "unsubscribe"), base))
        page.get_by_role("button", name="Unsubscribe from everything").click()
        assert page.locator("h1").inner_text() == "You are unsubscribed"
        site.sync(changed(later, status="TERMINATED", new_site=None, days=60))
        assert CliRunner().invoke(cli, ["notify", "--json"]).exit_code == 0
        assert len(mailbox.deliveries) == 2  # nothing more after unsubscribing

        # "I'm interested": the consent names who receives it; the contact gets it after confirmation.
        page.goto(f"{base}/trials/{trial_id}")
        interest = page.locator("section:has(h2:text-is(\"I'm interested\"))")
        assert "Nobody has asked about this trial" in interest.inner_text()
        interest.get_by_label("Your name").fill("Ana López")
        interest.get_by_label("Your e-mail address").fill(ANA)
        interest.get_by_label("Message (optional)").fill("Could I take part? I live in Guangzhou.")
        consent = interest.get_by_label(re.compile("I agree that trialscout sends my name"))
        assert contact["email"] in consent.locator("xpath=..").inner_text()
        consent.check()
        interest.get_by_role("button", name="Send my interest").click()
        assert page.locator("h1").inner_text() == "Check your inbox"
        check = mailbox.wait_for(3)[-1]
        assert check.recipients == (ANA,)
        page.goto(local(mail_link(check.text, "interest"), base))
        page.get_by_role("button", name="Send").click()
        assert page.locator("h1").inner_text() == "Sent to the study team"
        to_team = mailbox.wait_for(4)[-1]
        assert to_team.recipients[0].lower() == contact["email"].lower()
        assert "Could I take part?" in to_team.text and str(to_team.message["Reply-To"]).endswith(f"<{ANA}>")
        page.goto(f"{base}/trials/{trial_id}")
        assert "1 person asked about this trial" in page.locator("main").inner_text()

        feed = page.request.get(f"{base}/trials/{trial_id}/feed")
        assert feed.ok and len(check_atom(feed.body()).findall("{http://www.w3.org/2005/Atom}entry")) == 3
