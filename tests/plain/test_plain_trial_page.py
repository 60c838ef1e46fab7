"""The plain-language sections on a real trial page (headless Chromium) and in the JSON API."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from plain_records import make_record
from support.browser import serve_app
from trialscout.config import load_settings
from trialscout.demo import DEMO_DIR
from trialscout.services import ingest_and_derive, open_store
from trialscout.web.app import create_app

SCRIPT = "<script>window.pwned = 1</script>"
HOSTILE = SCRIPT + "<img src=x onerror='window.pwned = 2'>"


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    root = tmp_path_factory.mktemp("plain-web")
    record = make_record(identificationModule={"nctId": "NCT09000666", "briefTitle": "Cream for dry skin"},
                         descriptionModule={"briefSummary": HOSTILE + " A cream is tested."},
                         conditionsModule={"conditions": [SCRIPT]})
    (root / "data").mkdir()
    (root / "data" / "hostile.json").write_text(json.dumps([record]))
    settings = load_settings({"TRIALSCOUT_HOME": str(root / "home"), "TRIALSCOUT_LOAD_DEMO": "false"})
    ingest_and_derive([DEMO_DIR / "seeds", root / "data"], open_store(settings), settings)
    return create_app(settings)


@pytest.fixture(scope="module")
def base_url(app):
    with serve_app(app) as url:
        yield url


def section(page, heading: str):
    return page.locator(f"section:has(h2:text-is('{heading}'))")


def test_a_trial_page_shows_every_plain_section(page, base_url):
    page.goto(f"{base_url}/trials/NCT07276568")
    assert page.locator("p.headline").inner_text().startswith("Hepatocyte-like cells tested")
    summary = section(page, "Summary").inner_text()
    assert "12 people" in summary and "early-phase trial" in summary
    assert "Enrolling by invitation" in summary  # the labels, explained
    meaning = section(page, "What this could mean").inner_text()
    for part in ["informational only, not medical advice", "Active substance",
                 "Hepatocyte-like cells (derived from induced pluripotent stem cells)",
                 "What this could lead to", "What could go wrong", "Only 12 people take part"]:
        assert part in meaning
    assert "Talk to your doctor" in section(page, "Disclaimer").inner_text()


def test_who_can_join_explains_the_thresholds_in_plain_words(page, base_url):
    page.goto(f"{base_url}/trials/TSLOCAL-0002")
    who = section(page, "Who can join").inner_text()
    assert "In plain words" in who
    assert "bilirubin, a marker of how well the liver clears waste, of at least 171 μmol/L" in who
    assert "Main reasons people cannot join" in who


def test_record_text_is_shown_as_text_and_runs_nothing(page, base_url):
    page.goto(f"{base_url}/trials/NCT09000666")
    assert page.evaluate("window.pwned === undefined")
    assert SCRIPT in page.locator("p.headline").inner_text()
    assert SCRIPT in section(page, "Summary").inner_text()
    assert page.locator("main img").count() == 0


def test_the_api_returns_the_same_plain_page(app):
    client = TestClient(app)
    data = client.get("/api/v1/trials/NCT06740149").json()
    plain = data["plain"]
    assert "CG-BM1" in plain["headline"]
    assert plain["meaning"]["active_substance"][0]["name"] == "bone marrow mesenchymal stem cells (CG-BM1)"
    assert plain["sections"]["summary"] and plain["defects"] == []
