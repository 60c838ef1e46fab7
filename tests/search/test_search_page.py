"""The search page in a real Chromium: desktop, phone, and with JavaScript switched off."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_search_from_the_form_shows_results_with_nearest_site_and_distance(page, demo_url):
    page.goto(demo_url + "/search")
    page.get_by_label("What are you looking for?").fill("liver failure stem cells")
    page.get_by_label("Near", exact=True).fill("Guangzhou")
    page.get_by_role("button", name="Search", exact=True).first.click()
    page.wait_for_url("**/search?*")
    results = page.locator("ol.trial-list > li")
    assert results.count() >= 1
    hit = results.filter(has_text="NCT06740149")
    assert hit.count() == 1
    text = hit.inner_text()
    assert "Guangzhou" in text and "0 km" in text and "site status: not stated" in text
    assert "Searching within 100 km of Guangzhou, Guangdong, China" in page.locator("main").inner_text()


def test_facet_links_narrow_the_results(page, demo_url):
    page.goto(demo_url + "/search?q=NSCLC")
    total = int(page.locator("#results-heading").inner_text().split()[0].replace(",", ""))
    country = page.get_by_role("navigation", name="By country").get_by_role("link", name="China")
    expected = int(country.locator("xpath=..").inner_text().rsplit("(", 1)[1].rstrip(")"))
    country.click()
    narrowed = int(page.locator("#results-heading").inner_text().split()[0].replace(",", ""))
    assert narrowed == expected < total
    assert page.get_by_role("navigation", name="By country").get_by_role("link", name="✓ China").get_attribute(
        "aria-current") == "true"
    page.get_by_role("navigation", name="By status").get_by_role("link", name="Completed").click()
    statuses = page.locator("ol.trial-list .status").all_inner_texts()
    assert statuses and set(statuses) == {"Completed"}


def test_works_without_javascript(browser, demo_url):
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(demo_url + "/")
        page.get_by_label("Find a trial in your own words").fill("ACLF")
        page.get_by_role("button", name="Search").last.click()
        page.wait_for_url("**/search?*")
        assert page.locator("ol.trial-list > li").first.inner_text().count("NCT06740149") == 1
        page.get_by_role("navigation", name="By status").get_by_role("link", name="Any status").click()
        assert "status=any" in page.url
        page.goto(demo_url + "/search?q=leukemia&per_page=5")
        page.get_by_role("link", name="Next", exact=True).click()
        assert "page=2" in page.url and "Page 2 of" in page.locator("nav.pager").inner_text()
    finally:
        context.close()


def test_unknown_place_shows_suggestions_as_links(page, demo_url):
    page.goto(demo_url + "/search?q=asthma&near=Guangzhuo")
    alert = page.get_by_role("alert")
    assert "We do not know a place called 'Guangzhuo'" in alert.inner_text()
    alert.get_by_role("link", name="Guangzhou, Guangdong, China").click()
    assert page.get_by_label("Near", exact=True).input_value() == "Guangzhou, Guangdong, China"


def test_phone_layout_fits_and_controls_are_labelled(phone_page, demo_url):
    phone_page.goto(demo_url + "/search?q=cluster+headache&near=Copenhagen&within=500km")
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= phone_page.viewport_size["width"]
    for name in ["What are you looking for?", "Near", "Within", "Age (years)", "Sex", "Status", "Phase"]:
        assert phone_page.get_by_label(name, exact=True).count() == 1, name
    assert phone_page.locator("ol.trial-list > li").count() > 0
    button = phone_page.get_by_role("button", name="Search", exact=True).last.bounding_box()
    assert button["height"] >= 40


def test_header_search_box_on_every_page(page, demo_url):
    page.goto(demo_url + "/trials/NCT06740149")
    page.get_by_label("Search trials", exact=True).fill("hart attack")
    page.get_by_label("Search trials", exact=True).press("Enter")
    page.wait_for_url("**/search?*")
    assert "Read “hart attack” as “myocardial infarction”" in page.locator("main").inner_text()
