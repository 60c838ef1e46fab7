"""A person in real Chromium with JavaScript off fills the check form and reads the verdicts;
on a phone the answer page fits the screen."""

from __future__ import annotations

import pytest

from support.browser import new_page

pytestmark = pytest.mark.browser


def test_a_person_without_javascript_checks_a_trial(browser, demo_url):
    with new_page(browser, java_script_enabled=False) as page:
        page.goto(f"{demo_url}/trials/TSLOCAL-0002")
        page.get_by_role("link", name="Check if I might qualify").click()
        assert page.locator("h1").inner_text() == "Might I qualify?"
        page.get_by_label("Your age in years").fill("52")
        page.get_by_role("group", name="Your sex").get_by_label("Male", exact=True).check()
        page.get_by_label("Total bilirubin value").fill("210")
        page.get_by_label("Total bilirubin unit").select_option("µmol/L")
        page.get_by_label("INR value").fill("1.9")
        page.get_by_label("Serum creatinine value").fill("0.9")
        page.get_by_label("Serum creatinine unit").select_option("mg/dL")
        page.get_by_role("group", name="Do you have circulatory failure?").get_by_label("No", exact=True).check()
        page.get_by_role("button", name="Check if I might qualify").click()

        assert "/trials/TSLOCAL-0002/check" in page.url and "210" not in page.url
        assert page.get_by_role("heading", name="Result: Need more information").is_visible()
        bilirubin = page.locator("li.criterion", has_text="Total bilirubin (TBil)")
        assert bilirubin.locator(".badge").inner_text() == "Met"
        assert "Your total bilirubin is 210 µmol/L" in bilirubin.inner_text()
        meld = page.locator("li.criterion", has_text="MELD score")
        assert meld.locator(".badge").inner_text() == "Not met"
        assert "does not rule you out" in meld.inner_text()
        markers = page.locator("li.criterion", has_text="Elevated inflammatory markers")
        assert markers.locator(".badge").inner_text() != "Needs review"  # read as labs above the normal range
        assert page.get_by_label("Total bilirubin value").input_value() == "210"  # ready to change and check again

        page.get_by_label("Your age in years").fill("-5")
        page.get_by_role("button", name="Check if I might qualify").click()
        page.get_by_role("alert").filter(has_text="Please check your answers").wait_for(state="visible")
        assert page.get_by_label("Your age in years").input_value() == "-5"


def test_the_answer_fits_a_phone(phone_page, demo_url):
    page = phone_page
    page.goto(f"{demo_url}/trials/NCT06882811/check")
    page.get_by_label("Your age in years").fill("70")
    with page.expect_navigation():
        page.get_by_role("button", name="Check if I might qualify").click()
    heading = page.get_by_role("heading", name="Result: Likely not eligible")
    heading.wait_for(state="visible")
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
    assert "You are 70" in page.get_by_role("region", name="What rules you out").inner_text()


@pytest.mark.parametrize("nct_id", ["NCT06882811", "NCT05326516"])  # a file input; a select with long choices
def test_the_form_fits_a_phone(phone_page, demo_url, nct_id):
    phone_page.goto(f"{demo_url}/trials/{nct_id}/check")
    assert phone_page.get_by_label("Your age in years").is_visible()
    # compared with the screen, not window.innerWidth: a mobile browser widens its layout to fit what overflows
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= phone_page.viewport_size["width"]
