"""The check page asks only what a trial needs and answers rule by rule; bad input gets a clear page."""

from __future__ import annotations

import html
import json
import re

from markupsafe import escape

from check_profiles import ACLF_NOTE, aclf_bundle


def text_of(page: str) -> str:
    """The visible words of a page's main element, squeezed."""
    main = page[page.index("<main"):page.index("</main>")]
    main = re.sub(r"<(style|script)[^>]*>.*?</\1>", " ", main, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", main)))


def verdict_item(page: str, words: str) -> str:
    """The text of the result list item for the criterion containing ``words``."""
    for item in re.findall(r'<li class="criterion.*?</li>', page, flags=re.S):
        if words in html.unescape(item):
            return text_of("<main>" + item + "</main>")
    raise AssertionError(f"no criterion with {words!r}")


def test_the_trial_page_links_to_the_check_and_lists_each_criterion(client):
    page = client.get("/trials/TSLOCAL-0002").text
    assert 'href="/trials/TSLOCAL-0002/check"' in page and "Check if I might qualify" in page
    lists = page[page.index('<div class="criteria-lists">'):]
    inclusion = lists[lists.index('id="inclusion"'):lists.index('id="exclusion"')]
    exclusion = lists[lists.index('id="exclusion"'):lists.index("</div>")]
    assert inclusion.count("<li>") == 8 and exclusion.count("<li>") == 6
    assert "Total bilirubin (TBil) ≥ 171μmol/L or an increase of ≥ 17.1μmol/L per day" in inclusion
    assert "Patients with a MELD score &gt; 30" in exclusion  # the registry's \> escape is gone; HTML-escaped
    nested = client.get("/trials/NCT06882811").text
    assert re.search(r"Specific medical conditions:?<ul><li>History of chronic enteritis", nested)


def test_the_form_asks_only_what_the_trial_needs_with_lab_units(client):
    page = client.get("/trials/TSLOCAL-0002/check").text
    words = text_of(page)
    for question in ("What is your most recent total bilirubin?", "What is your most recent INR?",
                     "What is your most recent prothrombin activity?", "What is your most recent serum creatinine?",
                     "What is your hepatic encephalopathy grade?", "Do you have hepatic encephalopathy?",
                     "Do you have circulatory failure?", "Your age in years", "Your sex"):
        assert question in words, question
    assert "pregnant" not in words.lower()  # nothing this trial does not ask about
    bilirubin = page[page.index("<legend>What is your most recent total bilirubin?"):]
    bilirubin = bilirubin[:bilirubin.index("</fieldset>")]
    assert re.findall(r"<option value=\"([^\"]+)\"", bilirubin) == ["µmol/L", "mg/dL"]
    assert '<label for="f-a-lab-bilirubin">Total bilirubin value</label>' in bilirubin
    assert '<label for="f-u-lab-bilirubin">Total bilirubin unit</label>' in bilirubin
    assert 'enctype="multipart/form-data"' in page and 'name="csrf_token"' in page
    assert 'name="fhir_file" type="file"' in page and 'name="note"' in page and 'name="fhir_text"' in page
    sepsis = text_of(client.get("/trials/NCT06882811/check").text)
    assert "Do you have sepsis?" in sepsis and "bilirubin" not in sepsis.lower()


def test_bilirubin_in_micromoles_meets_the_bilirubin_criterion(post_check):
    response = post_check("TSLOCAL-0002", {"age": "52", "sex": "male", "a:lab:bilirubin": "210",
                                           "u:lab:bilirubin": "µmol/L", "a:lab:inr": "1.9", "u:lab:inr": "(no unit)",
                                           "a:condition:circulatory_failure": "no"})
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    page = response.text
    item = verdict_item(page, "Total bilirubin (TBil)")
    assert "Met" in item and "Your total bilirubin is 210 µmol/L; the criterion asks for ≥ 171 µmol/L" in item
    assert "Met" in verdict_item(page, "Prothrombin activity (PTA)")
    circulatory = verdict_item(page, "Patients with circulatory failure")
    assert "Not met" in circulatory and "does not rule you out" in circulatory
    assert "Needs review" not in verdict_item(page, "Elevated inflammatory markers")  # read as labs now
    words = text_of(page)
    assert "Result: Need more information" in words
    assert "Questions that would settle it" in words
    assert 'value="210"' in page  # the form below keeps the answers


def test_the_same_value_in_mg_per_dl_is_converted(post_check):
    page = post_check("TSLOCAL-0002", {"a:lab:bilirubin": "12.3", "u:lab:bilirubin": "mg/dL"}).text
    item = verdict_item(page, "Total bilirubin (TBil)")
    assert "Met" in item and "12.3 mg/dL" in item


def test_age_70_is_likely_not_eligible_for_the_sepsis_trial_and_says_why(post_check):
    response = post_check("NCT06882811", {"age": "70"})
    page = response.text
    words = text_of(page)
    assert response.status_code == 200
    assert "Result: Likely not eligible" in words
    blocking = words[words.index("What rules you out"):]
    assert "Age 65 years or younger" in blocking and "You are 70; the criterion asks for age ≤ 65 years" in blocking


def test_a_fhir_file_or_a_note_can_replace_the_form(post_check):
    upload = {"fhir_file": ("record.json", json.dumps(aclf_bundle()).encode(), "application/json")}
    page = post_check("TSLOCAL-0002", {}, files=upload).text
    assert "Met" in verdict_item(page, "Total bilirubin (TBil)")
    assert "your health record" in verdict_item(page, "Total bilirubin (TBil)")
    assert "choose it again" in page  # the file is not kept, and the page says so

    page = post_check("TSLOCAL-0002", {"note": ACLF_NOTE}).text
    item = verdict_item(page, "Total bilirubin (TBil)")
    assert "Met" in item and "your note" in item


def test_bad_values_are_named_and_what_was_typed_is_kept(post_check):
    response = post_check("TSLOCAL-0002", {"age": "-5", "a:lab:bilirubin": "abc", "u:lab:bilirubin": "mg/dL",
                                           "note": ""})
    assert response.status_code == 422
    assert response.headers["cache-control"] == "no-store"
    page = response.text
    assert 'role="alert"' in page and "Please check your answers" in page
    assert 'href="#f-age"' in page and 'href="#f-a-lab-bilirubin"' in page
    assert re.search(r'id="f-age"[^>]*value="-5"[^>]*aria-invalid="true"', page)
    assert re.search(r'id="f-a-lab-bilirubin"[^>]*value="abc"[^>]*aria-invalid="true"', page)
    assert '<option value="mg/dL" selected>' in page


def test_an_empty_form_asks_for_something(post_check):
    response = post_check("TSLOCAL-0002", {"age": "", "sex": ""})
    assert response.status_code == 422 and "Nothing was filled in" in response.text


def test_a_broken_or_wrong_record_gets_a_clear_message(post_check):
    broken = '{"resourceType": "Bundle", "entry": [ '
    response = post_check("TSLOCAL-0002", {"fhir_text": broken, "age": "52"})
    assert response.status_code == 422
    assert "not valid JSON (line 1" in response.text
    assert str(escape(broken)) in response.text and 'value="52"' in response.text

    patient = json.dumps({"resourceType": "Patient", "gender": "male"}).encode()
    response = post_check("TSLOCAL-0002", {}, files={"fhir_file": ("p.json", patient, "application/json")})
    assert response.status_code == 422 and "not a FHIR Bundle" in response.text

    bad_entries = json.dumps({"resourceType": "Bundle", "entry": "nothing"})
    response = post_check("TSLOCAL-0002", {"fhir_text": bad_entries})
    assert response.status_code == 422 and "Bundle.entry must be a list" in response.text


def test_a_note_in_another_language_is_refused_with_a_reason(post_check):
    for note in ("El paciente es un hombre de 52 años con insuficiencia hepática aguda sobre crónica por hepatitis B.",
                 "患者男性，52岁，乙型肝炎相关慢加急性肝衰竭。总胆红素 210 µmol/L。"):
        response = post_check("TSLOCAL-0002", {"note": note})
        assert response.status_code == 422
        assert "does not look like English" in response.text and str(escape(note)) in response.text


def test_a_huge_upload_is_refused_not_crashed(post_check):
    blob = b'{"resourceType": "Bundle", "entry": [' + b" " * (10 * 1024 * 1024) + b"]}"
    response = post_check("TSLOCAL-0002", {"age": "52"}, files={"fhir_file": ("big.json", blob, "application/json")})
    assert response.status_code == 413 and "too much data" in response.text
    blob = b'{"resourceType": "Bundle", "entry": [' + b" " * (9 * 1024 * 1024) + b"]}"
    response = post_check("TSLOCAL-0002", {"age": "52"}, files={"fhir_file": ("big.json", blob, "application/json")})
    assert response.status_code == 413 and "larger than 8 MB" in response.text and 'value="52"' in response.text


def test_what_a_person_types_is_escaped(post_check):
    note = "52-year-old man <script>alert('x')</script> with hepatitis B <b>bold</b>."
    page = post_check("NCT06882811", {"note": note}).text
    assert "<script>alert" not in page and "<b>bold</b>" not in page
    assert "&lt;script&gt;alert(" in page


def test_a_trial_without_criteria_says_so(client, post_check):
    words = text_of(client.get("/trials/NCT06740149/check").text)
    assert "The record gives no eligibility criteria" in words and "Check if I might qualify" not in words


def test_unknown_trials_and_the_get_method_keep_data_out_of_urls(client):
    assert client.get("/trials/NCT00000000/check").status_code == 404
    page = client.get("/trials/TSLOCAL-0002/check").text
    assert re.findall(r"<form[^>]*>", page)[-1].count('method="post"') == 1


def test_a_post_without_the_csrf_field_is_refused(client):
    response = client.post("/trials/TSLOCAL-0002/check", data={"age": "52"})
    assert response.status_code == 403


def test_typed_answers_count_on_top_of_a_record(post_check):
    upload = {"fhir_file": ("record.json", json.dumps(aclf_bundle()).encode(), "application/json")}
    page = post_check("NCT06882811", {"age": "70"}, files=upload).text
    assert "Result: Likely not eligible" in text_of(page)
    assert "You are 70" in verdict_item(page, "Age 65 years or younger")


def test_a_pasted_record_over_the_form_limit_is_refused_not_crashed(post_check):
    pasted = '{"resourceType": "Bundle", "entry": []}' + " " * (1100 * 1024)
    response = post_check("TSLOCAL-0002", {"fhir_text": pasted})
    assert response.status_code in {403, 413, 422}  # web/csrf.py refuses text fields over 1 MB (see the report)
