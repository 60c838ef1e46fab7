"""Atom feeds: valid RFC 4287 (checked with the stdlib XML parser), stable ids, escaped trial text."""

from __future__ import annotations

import copy
import xml.etree.ElementTree as ET
from datetime import datetime
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from alert_records import changed, nct
from trialscout.web.app import create_app

A = "{http://www.w3.org/2005/Atom}"


def rfc3339(text: str) -> datetime:
    assert text.endswith("Z") or text[-6] in "+-", f"no time zone in {text!r}"
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def check_atom(data: bytes) -> ET.Element:
    """Parse and check what RFC 4287 requires of a feed and of each entry."""
    root = ET.fromstring(data)
    assert root.tag == f"{A}feed"
    for name in ("id", "title", "updated"):
        assert len(root.findall(f"{A}{name}")) == 1, f"feed needs exactly one atom:{name}"
    rfc3339(root.findtext(f"{A}updated"))
    assert root.findtext(f"{A}id").startswith("tag:")
    links = {link.get("rel", "alternate"): link.get("href") for link in root.findall(f"{A}link")}
    assert links.get("self", "").startswith("http://trialscout.test/") and links.get("alternate")
    entries = root.findall(f"{A}entry")
    if not root.findall(f"{A}author/{A}name"):
        assert all(e.findall(f"{A}author/{A}name") for e in entries), "an author is required"
    ids = []
    for entry in entries:
        for name in ("id", "title", "updated"):
            assert len(entry.findall(f"{A}{name}")) == 1, f"entry needs exactly one atom:{name}"
        rfc3339(entry.findtext(f"{A}updated"))
        assert entry.find(f"{A}link[@rel='alternate']") is not None
        assert entry.find(f"{A}summary") is not None or entry.find(f"{A}content") is not None
        ids.append(entry.findtext(f"{A}id"))
    assert len(ids) == len(set(ids)), "entry ids must be unique"
    return root


@pytest.fixture
def client(sqlite_site):
    sqlite_site.app = create_app(sqlite_site.settings)
    return TestClient(sqlite_site.app)


def test_a_trial_feed_lists_its_changes_newest_first(sqlite_site, client):
    study = sqlite_site.studies[0]
    trial_id = nct(study)
    sqlite_site.sync(changed(study))
    answer = client.get(f"/trials/{trial_id}/feed")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("application/atom+xml")
    root = check_atom(answer.content)
    entries = root.findall(f"{A}entry")
    assert [e.findtext(f"{A}id") for e in entries] == [
        f"tag:trialscout.test,2026:trial/{trial_id}/v2", f"tag:trialscout.test,2026:trial/{trial_id}/v1"]
    assert entries[0].findtext(f"{A}summary").startswith("Status changed from Recruiting to Completed on ")
    assert "A new site opened in Guangzhou, China" in entries[0].findtext(f"{A}summary")
    assert entries[1].findtext(f"{A}title") == "First seen by trialscout"
    page = client.get(f"/trials/{trial_id}")
    assert f'href="/trials/{trial_id}/feed"' in page.text and 'type="application/atom+xml"' in page.text
    assert client.get("/trials/NCT99999999/feed").status_code == 404


def test_hostile_trial_text_is_escaped(sqlite_site, client, studies):
    hostile = copy.deepcopy(sqlite_site.studies[1])
    ident = hostile["protocolSection"]["identificationModule"]
    ident["briefTitle"] = 'Trial <script>alert("x")</script> & ]]> \x0b "quoted"'
    sqlite_site.sync(changed(hostile))
    data = client.get(f"/trials/{nct(hostile)}/feed").content
    root = check_atom(data)
    assert b"<script>" not in data
    assert root.findtext(f"{A}title") == \
        f'Changes to Trial <script>alert("x")</script> & ]]> "quoted" ({nct(hostile)})'


def test_condition_and_search_feeds_use_the_site_search(sqlite_site, client):
    study = sqlite_site.studies[2]
    condition = study["protocolSection"]["conditionsModule"]["conditions"][0]
    root = check_atom(client.get(f"/feeds/condition/{quote(condition, safe='')}").content)
    found = [e.findtext(f"{A}id") for e in root.findall(f"{A}entry")]
    assert f"tag:trialscout.test,2026:trial/{nct(study)}" in found
    assert root.findtext(f"{A}title") == f"New trials for {condition}"
    empty = check_atom(client.get("/feeds/condition/zzzz%20no%20such%20disease").content)
    assert empty.findall(f"{A}entry") == []
    slash = client.get("/feeds/condition/" + quote("HIV/AIDS", safe=""))
    assert slash.status_code == 200 and check_atom(slash.content).findtext(f"{A}title") == "New trials for HIV/AIDS"
    search = check_atom(client.get("/feeds/search", params={"q": condition, "status": "any"}).content)
    assert f"tag:trialscout.test,2026:trial/{nct(study)}" in [e.findtext(f"{A}id") for e in search.findall(f"{A}entry")]
    assert search.find(f"{A}link[@rel='self']").get("href").startswith("http://trialscout.test/feeds/search?q=")
    bad = client.get("/feeds/search", params={"phase": "phase 9"})
    assert bad.status_code == 422
