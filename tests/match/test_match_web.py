"""The "Find trials for me" page (real Chromium, with and without JavaScript), the JSON API and the CLI."""

from __future__ import annotations

import json
import re

import orjson
import pytest
from typer.testing import CliRunner

from match_people import CHILD_WITH_SEPSIS, aclf_bundle
from support.browser import new_page
from trialscout.cli import app as cli_app


def _token(api) -> str:
    page = api.get("/match")
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


# --- the JSON API -------------------------------------------------------------------------------------

def test_api_ranks_the_aclf_trial_first_and_keeps_nothing(api):
    response = api.post("/api/v1/match", json={"fhir": aclf_bundle()})
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    first = body["matches"][0]
    assert first["nct_id"] == "NCT06740149"
    assert first["explanation"]["conditions_matched"][0]["trial_terms"] == ["Acute-On-Chronic Liver Failure"]
    assert "Guangzhou" in body["place"]


def test_api_child_with_sepsis(api):
    body = api.post("/api/v1/match", json={"profile": CHILD_WITH_SEPSIS, "statuses": "any"}).json()
    sepsis = next(m for m in body["matches"] if m["nct_id"] == "NCT06882811")
    assert sepsis["verdict"] in {"likely_eligible", "need_more_information"}
    assert sepsis["explanation"]["questions"]


@pytest.mark.parametrize("body, words", [
    ({}, "exactly one of"),
    ({"profile": {}}, "Nothing was filled in"),
    ({"profile": {"age": "old", "conditions": ["sepsis"]}}, "not a number"),
    ({"fhir": {"resourceType": "Patient"}}, "Expected a FHIR Bundle"),
    ({"note": "x", "profile": {"age": 3}}, "exactly one of"),
])
def test_api_bad_input_gets_a_422_that_says_why(api, body, words):
    response = api.post("/api/v1/match", json=body)
    assert response.status_code == 422
    assert words in json.dumps(response.json())


def test_api_is_documented(api):
    spec = api.get("/api/openapi.json").json()
    operation = spec["paths"]["/api/v1/match"]["post"]
    assert "Find trials for me" in operation["summary"]
    assert {"200", "422"} <= set(operation["responses"])
    assert "MatchBody" in json.dumps(operation["requestBody"])


# --- the page, without a browser ----------------------------------------------------------------------

def test_page_post_answers_privately_and_never_in_the_url(api):
    response = api.post("/match", data={"csrf_token": _token(api), "age": "9", "sex": "female",
                                        "conditions": "sepsis"})
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    assert str(response.url).endswith("/match")
    assert 'data-nct="NCT06882811"' in response.text


def test_page_without_a_condition_says_what_to_do(api):
    response = api.post("/match", data={"csrf_token": _token(api), "age": "40"})
    assert response.status_code == 422
    assert "name at least one condition" in response.text or "found no condition" in response.text


# --- in Chromium ---------------------------------------------------------------------------------------

@pytest.mark.browser
def test_browser_without_javascript_form_to_ranked_explained_results(browser, demo_url):
    with new_page(browser, java_script_enabled=False) as page:
        page.goto(demo_url + "/")
        page.get_by_role("link", name="Find trials for me").click()
        page.get_by_label("Your age in years").fill("9")
        page.get_by_label("Female").check()
        page.get_by_label("Your conditions, one a line").fill("sepsis")
        page.get_by_role("button", name="Find trials for me").click()
        assert page.url.endswith("/match") and "sepsis" not in page.url
        card = page.locator('li.match[data-nct="NCT06882811"]')
        assert card.count() == 1
        text = card.inner_text()
        assert "About your condition: sepsis" in text
        assert "Questions that would settle the rest" in text
        questions = card.locator("details", has_text="Questions that would settle the rest")
        if questions.get_attribute("open") is None:  # a disclosure: opens without JavaScript
            questions.locator("summary").click()
        assert card.get_by_role("link", name="Answer them for this trial").is_visible()


@pytest.mark.browser
def test_browser_upload_a_health_record(browser, demo_url, tmp_path):
    record = tmp_path / "my-record.json"
    record.write_bytes(orjson.dumps(aclf_bundle()))
    with new_page(browser) as page:
        page.goto(demo_url + "/match")
        page.get_by_label("Upload the file").set_input_files(str(record))
        page.get_by_role("button", name="Find trials for me").click()
        first = page.locator("li.match").first
        assert first.get_attribute("data-nct") == "NCT06740149"
        assert "Guangzhou" in first.inner_text()
        assert "Acute-On-Chronic Liver Failure" in first.inner_text()
        assert "no eligibility criteria" in first.inner_text()


@pytest.mark.browser
def test_browser_phone_shows_the_contradiction(phone_page, demo_url):
    phone_page.goto(demo_url + "/match")
    phone_page.get_by_label("Your age in years").fill("58")
    phone_page.get_by_label("Male", exact=True).check()
    phone_page.get_by_label("Paste the note or letter").fill(
        "58-year-old man with type 2 diabetes. He is pregnant. No history of diabetes.")
    phone_page.get_by_role("button", name="Find trials for me").click()
    alert = phone_page.get_by_role("alert")
    assert "does not fit together" in alert.inner_text()
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390 + 1


# --- the CLI -------------------------------------------------------------------------------------------

def test_cli_match_profile_json(demo, tmp_path, monkeypatch):
    monkeypatch.setenv("TRIALSCOUT_HOME", str(demo.settings.home))
    record = tmp_path / "bundle.json"
    record.write_bytes(orjson.dumps(aclf_bundle()))
    result = CliRunner().invoke(cli_app, ["match", "--profile", str(record), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["matches"][0]["nct_id"] == "NCT06740149"
    text = CliRunner().invoke(cli_app, ["match", "--profile", str(record)])
    assert "1. Untitled study: Acute-On-Chronic Liver Failure (NCT06740149)" in text.stdout


def test_cli_match_bad_file_says_why(demo, tmp_path, monkeypatch):
    monkeypatch.setenv("TRIALSCOUT_HOME", str(demo.settings.home))
    empty = tmp_path / "empty.json"
    empty.write_text("{}")
    result = CliRunner().invoke(cli_app, ["match", "--profile", str(empty)])
    assert result.exit_code == 1 and "Nothing was filled in" in result.output


def test_eval_match_runs_end_to_end_on_the_imported_corpus(demo, shared_dir, monkeypatch):
    monkeypatch.setenv("TRIALSCOUT_HOME", str(demo.settings.home))
    result = CliRunner().invoke(cli_app, ["eval", "match", "--shared", str(shared_dir), "--topics", "3", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["corpus_trials"] == demo.store.count()
    sigir, trec = report["collections"]
    assert (sigir["collection"], trec["collection"]) == ("SIGIR 2016", "TREC 2021")
    assert trec["topics"] == 75 and trec["judged_trials"] > 20_000
    assert trec["judged_trials_in_corpus"] >= 1  # the demo holds some TREC-judged trials, and says how many
    for measure in ("ndcg@10", "p@10", "recall@100"):
        assert 0.0 <= trec[measure] <= 1.0
