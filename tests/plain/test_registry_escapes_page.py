"""The trial page shows registry text without the registry's Markdown escapes, and still
shows HTML in it as text (headless Chromium)."""

from __future__ import annotations

import json

import pytest

from plain_records import make_record
from support.browser import serve_app
from trialscout.config import load_settings
from trialscout.demo import DEMO_DIR
from trialscout.plain.text import registry_display
from trialscout.services import ingest_and_derive, open_store
from trialscout.web.app import create_app

# As the registry writes it: every "<" and ">" escaped with a backslash.
ESCAPED_SCRIPT = r"\<script\>window.pwned = 1\</script\>"


@pytest.fixture(scope="module")
def base_url(tmp_path_factory):
    root = tmp_path_factory.mktemp("escapes-web")
    record = make_record(identificationModule={"nctId": "NCT09000777", "briefTitle": "Drug X for dry eyes"})
    arms = record["protocolSection"]["armsInterventionsModule"]["armGroups"]
    arms[0]["description"] = ESCAPED_SCRIPT + r" Drug X 5 mg, HbA1c \>= 7\.5%"
    (root / "data").mkdir()
    (root / "data" / "escaped.json").write_text(json.dumps([record]))
    settings = load_settings({"TRIALSCOUT_HOME": str(root / "home"), "TRIALSCOUT_LOAD_DEMO": "false"})
    ingest_and_derive([DEMO_DIR / "seeds", root / "data"], open_store(settings), settings)
    with serve_app(create_app(settings)) as url:
        yield url


def test_registry_display_removes_every_markdown_escape():
    assert registry_display(r"1\*10\^8 cells/dose") == "1*10^8 cells/dose"
    assert registry_display(r"\> 3 \< 5 \≥ 2 a\_b \[x\] \(y\) \# \+ \- 1\. \~ \| \\") == "> 3 < 5 ≥ 2 a_b [x] (y) # + - 1. ~ | \\"
    assert registry_display(None) == ""


def test_cirrhosis_page_shows_the_dose_without_backslashes(page, base_url):
    page.goto(f"{base_url}/trials/NCT05106972")
    groups = page.locator("section:has(h2:text-is('Design'))").inner_text()  # the arm groups
    assert "1*10^8 cells/dose, 2 doses (apart from 24weeks)" in groups
    assert "1\\*10\\^8" not in page.locator("main").inner_text()
    summary = page.locator("section:has(h2:text-is('Summary'))").inner_text()
    assert "Each dose is 1×10^8 cells; 2 doses are given 24 weeks apart." in summary


def test_unescaped_script_in_trial_text_is_still_shown_as_text(page, base_url):
    page.goto(f"{base_url}/trials/NCT09000777")
    text = page.locator("main").inner_text()
    assert "<script>window.pwned = 1</script> Drug X 5 mg, HbA1c >= 7.5%" in text
    assert page.evaluate("window.pwned === undefined")
    assert page.locator("main script").count() == 0
