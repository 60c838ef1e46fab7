"""The trial page as a person sees it, in real headless Chromium."""

from __future__ import annotations

import json

import pytest

from support.browser import serve_app
from trialscout.config import load_settings
from trialscout.web.app import create_app


def section_text(page, heading: str) -> str:
    return page.locator(f"section:has(h2:text-is('{heading}'))").inner_text()


def test_seed_trial_shows_condition_treatment_design_and_guangzhou_site(page, demo_url):
    page.goto(f"{demo_url}/trials/NCT06740149")
    assert "Acute-On-Chronic Liver Failure" in section_text(page, "Conditions")
    assert "CG-BM1" in section_text(page, "Treatments")
    design = section_text(page, "Design")
    assert "Interventional" in design and "90" in design
    sites = section_text(page, "Contacts and locations")
    assert "Guangzhou, Guangdong, 510630, China" in sites
    assert "Third Affliated Hospital of Sun Yat-sen University" in sites


def test_design_terms_are_explained_in_a_line(page, demo_url):
    page.goto(f"{demo_url}/trials/NCT06882811")
    design = section_text(page, "Design")
    assert "Double blind" in design
    assert "Neither you nor the doctors know which group you are in" in design
    assert "Randomized" in design and "Chance decides which group you are in" in design
    assert "Sham comparator" in design  # the control arm's type, named
    who = section_text(page, "Who can join")
    assert "up to 65 years" in who and "Not accepted" in who
    assert "Specific medical conditions" in who


def test_identity_block_has_status_in_words_phase_sponsor_and_freshness(page, demo_url):
    page.goto(f"{demo_url}/trials/NCT07276568")
    text = page.locator("main").inner_text()
    assert "Enrolling by invitation" in text
    assert "Only people the researchers invite can join" in text
    assert "Phase 1" in text
    assert "Zhi-Jun Zhu" in text
    assert "First seen" in text and "Last updated" in text
    link = page.get_by_role("link", name="ClinicalTrials.gov record NCT07276568")
    assert link.get_attribute("href") == "https://clinicaltrials.gov/study/NCT07276568"


def test_real_record_shows_sites_with_their_own_status(page, demo_url, client):
    # Pick, from the data, a demo trial whose sites have different statuses.
    trials = client.get("/api/v1/trials", params={"per_page": 100, "page": 1}).json()["trials"]
    chosen = None
    for row in trials:
        record = client.get(f"/api/v1/trials/{row['nct_id']}").json()
        statuses = {s["status"] for s in record["locations"] if s["status"]}
        if len(statuses) >= 2:
            chosen = record
            break
    if chosen is None:
        pytest.skip("no demo trial on the first page has sites with different statuses")
    page.goto(f"{demo_url}/trials/{chosen['nct_id']}")
    sites = page.locator("ul.sites > li")
    assert sites.count() == len(chosen["locations"])
    texts = sites.all_inner_texts()
    for site, text in zip(chosen["locations"], texts):
        if site["status"]:
            assert site["status"].replace("_", " ").capitalize() in text


def test_index_links_to_trial_pages(page, demo_url):
    page.goto(demo_url + "/")
    assert "801 trials" in page.locator("main").inner_text()
    first = page.locator("ul.trial-list a").first
    title = first.inner_text()
    first.click()
    assert page.locator("h1").inner_text() == title


def test_unknown_id_is_a_404_page_not_a_500(page, demo_url, client):
    response = page.goto(f"{demo_url}/trials/NCT00000000")
    assert response.status == 404
    assert "No trial NCT00000000" in page.locator("main").inner_text()
    for bad in ["nonsense", "NCT123", "%3Cscript%3E", "NCT06740149'--", "x" * 5000]:
        assert client.get(f"/trials/{bad}").status_code == 404
        assert client.get(f"/api/v1/trials/{bad}").status_code == 404


def test_page_works_on_a_phone_without_sideways_scrolling(phone_page, demo_url):
    phone_page.goto(f"{demo_url}/trials/NCT06882811")
    width = phone_page.viewport_size["width"]  # not window.innerWidth: a mobile layout widens to what overflows
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= width
    assert phone_page.locator("h2:text-is('Who can join')").is_visible()


def test_page_works_without_javascript(browser, demo_url):
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"{demo_url}/trials/NCT05106972")
        assert "UC-MSC infusion" in page.locator("main").inner_text()
        page.get_by_text("See all trials").count()  # no error page
        assert page.locator("script").count() == 0
    finally:
        context.close()


def test_landmarks_and_headings_for_screen_readers(page, demo_url):
    page.goto(f"{demo_url}/trials/NCT05106972")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").count() == 1
    assert page.get_by_role("main").count() == 1
    assert page.get_by_role("navigation", name="Main").count() == 1
    for heading in ["Conditions", "Treatments", "Design", "Who can join", "Contacts and locations", "History"]:
        assert page.get_by_role("heading", name=heading, level=2).count() == 1


def test_trial_text_is_escaped(browser, tmp_path, shared_dir):
    study = json.loads((shared_dir / "data/ctgov_api_v2/vrinda2019__NSCLCBench/ctg-studies.json").read_text())[0]
    hostile = "<script>window.pwned = 1</script><img src=x onerror='window.pwned=2'>"
    study["protocolSection"]["identificationModule"]["briefTitle"] = "Title " + hostile
    study["protocolSection"]["descriptionModule"]["briefSummary"] = hostile
    study["protocolSection"]["conditionsModule"]["conditions"] = [hostile]
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "hostile.json").write_text(json.dumps([study]))
    settings = load_settings({"TRIALSCOUT_HOME": str(tmp_path / "home"), "TRIALSCOUT_LOAD_DEMO": "false"})
    from trialscout.services import ingest_and_derive, open_store

    ingest_and_derive([tmp_path / "data"], open_store(settings), settings)
    nct = study["protocolSection"]["identificationModule"]["nctId"]
    context = browser.new_context()
    try:
        page = context.new_page()
        with serve_app(create_app(settings)) as base:
            page.goto(f"{base}/trials/{nct}")
            assert page.evaluate("window.pwned === undefined")
            assert "<script>window.pwned = 1</script>" in page.locator("h1").inner_text()
            assert page.locator("main img").count() == 0
    finally:
        context.close()
