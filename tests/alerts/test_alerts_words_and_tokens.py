"""Pure parts: link tokens (forged, swapped, tampered), form checks, the plain-language diff, mail headers."""

from __future__ import annotations

import email
import email.policy
from datetime import datetime, timezone

import pytest

from trialscout.alerts.changes import meaningful, phrase, site_places
from trialscout.alerts.errors import InvalidInput, InvalidToken
from trialscout.alerts.mail import Mail, render
from trialscout.alerts.tokens import form_token, form_token_ok, make_token, new_key, read_token
from trialscout.alerts.validate import email_address, free_message, person_name, phone_number
from trialscout.config import load_settings
from trialscout.trial import Site, Trial

SECRET = b"k" * 48


def test_a_token_opens_only_its_own_purpose_and_only_with_the_secret():
    key = new_key()
    assert len(key) == 32  # 128 bits
    token = make_token(SECRET, "confirm", key)
    assert read_token(SECRET, "confirm", token) == key
    with pytest.raises(InvalidToken):
        read_token(SECRET, "unsubscribe", token)  # a confirm link is not an unsubscribe link
    with pytest.raises(InvalidToken):
        read_token(b"another-site-secret" * 3, "confirm", token)
    forged = key + "." + "A" * 43
    tampered = new_key() + "." + token.split(".")[1]
    for bad in (forged, tampered, key, "", "../../etc/passwd", token[:-1], token + "x"):
        with pytest.raises(InvalidToken):
            read_token(SECRET, "confirm", bad)


def test_form_token_is_bound_to_the_browser_cookie():
    assert form_token_ok(SECRET, "cookie-nonce-1" * 3, form_token(SECRET, "cookie-nonce-1" * 3))
    assert not form_token_ok(SECRET, "cookie-nonce-2" * 3, form_token(SECRET, "cookie-nonce-1" * 3))
    assert not form_token_ok(SECRET, None, form_token(SECRET, "x"))
    assert not form_token_ok(SECRET, "x" * 40, "")


@pytest.mark.parametrize("raw", ["", "ana", "ana@", "@example.org", "ana@example", "ana@@example.org",
                                 "ana@exa mple.org", "ana@example.org\r\nBcc: all@example.org", "a" * 250 + "@x.org",
                                 "ana..b@example.org", "ana@-example.org", "<ana@example.org>"])
def test_bad_addresses_are_refused_with_a_reason(raw):
    with pytest.raises(InvalidInput) as refused:
        email_address(raw)
    assert refused.value.field == "email" and refused.value.message


def test_good_addresses_are_kept_with_the_domain_in_lower_case():
    assert email_address("  Ana.Lopez+trials@Example.ORG ") == "Ana.Lopez+trials@example.org"


@pytest.mark.parametrize("raw", ["Ana\r\nBcc: victim@example.org", "Ana\nLopez", "Ana\x00", "<script>", "a" * 101, ""])
def test_names_with_line_breaks_or_markup_are_refused(raw):
    with pytest.raises(InvalidInput) as refused:
        person_name(raw)
    assert refused.value.field == "name"


def test_phone_and_message_checks():
    assert phone_number("+86 20 8525 2000") == "+86 20 8525 2000"
    assert phone_number("") is None
    with pytest.raises(InvalidInput):
        phone_number("call me\r\nmaybe")
    assert free_message("  Hello\r\nthere ") == "Hello\nthere"
    with pytest.raises(InvalidInput):
        free_message("x" * 1001)


def test_only_meaningful_changes_are_mailed():
    changes = [{"field": "brief_summary", "kind": "changed"}, {"field": "overall_status", "kind": "changed",
                                                               "before": "RECRUITING", "after": "COMPLETED"},
               {"field": "sponsor", "kind": "changed", "before": "A", "after": "B"},
               {"field": "has_results", "kind": "changed", "before": False, "after": True}]
    assert [c["field"] for c in meaningful(changes)] == ["overall_status", "has_results"]


def test_changes_read_as_plain_sentences_with_place_and_date():
    trial = Trial(nct_id="NCT00000001", locations=[Site(facility="Third Affiliated Hospital", city="Guangzhou",
                                                         country="China", status="RECRUITING")])
    places = site_places([trial])
    status = {"field": "overall_status", "kind": "changed", "before": "RECRUITING", "after": "COMPLETED"}
    assert phrase(status, "2026-11-20") == "Status changed from Recruiting to Completed on 2026-11-20"
    added = {"field": "site", "kind": "added", "after": "RECRUITING",
             "subject": "Third Affiliated Hospital, Guangzhou, China"}
    assert phrase(added, None, places) == \
        "A new site opened in Guangzhou, China: Third Affiliated Hospital (Recruiting)"
    closed = {"field": "site_status", "kind": "changed", "before": "RECRUITING", "after": "COMPLETED",
              "subject": "Third Affiliated Hospital, Guangzhou, China"}
    assert phrase(closed, None, places) == \
        "The site in Guangzhou, China (Third Affiliated Hospital) changed from Recruiting to Completed"
    assert phrase({"field": "has_results", "kind": "changed", "before": False, "after": True}) == \
        "Results were posted on the registry"
    assert phrase({"field": "enrollment", "kind": "changed", "before": "90 (estimated)", "after": "120 (actual)"}) == \
        "Enrolment changed from 90 (estimated) to 120 (actual)"


def test_a_reply_to_name_cannot_add_headers_and_unsubscribe_headers_follow_rfc_8058():
    settings = load_settings({"TRIALSCOUT_PUBLIC_URL": "https://trials.example.org"})
    mail = Mail(to="team@example.org", subject="Interest\r\nBcc: everyone@example.org", text="Hello",
                reply_to=("Ana\r\nBcc: x@example.org", "ana@example.org"),
                unsubscribe_url="https://trials.example.org/alerts/unsubscribe/abc.def")
    data = render(mail, settings, "<k.alerts@trials.example.org>", datetime(2026, 11, 20, tzinfo=timezone.utc))
    message = email.message_from_bytes(data, policy=email.policy.default)
    assert message.get_all("Bcc") is None
    assert "\n" not in str(message["Subject"]) and "\n" not in str(message["Reply-To"])
    assert message["List-Unsubscribe"] == "<https://trials.example.org/alerts/unsubscribe/abc.def>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["Message-ID"] == "<k.alerts@trials.example.org>"
