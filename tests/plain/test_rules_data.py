"""The glossary, templates and grounding rules are data a person can read and extend."""

from __future__ import annotations

import json
import re

import pytest
import textstat

from trialscout.plain import Grader, RulesError, load_glossary
from trialscout.plain.glossary import Glossary, read_entries
from trialscout.plain.templates import load_templates


def test_the_glossary_matches_terms_however_the_record_writes_them(res):
    g = res.glossary
    assert g.lookup("Hepatic Encephalopathy").plain == "confusion caused by liver disease"
    assert g.lookup("acute on chronic liver failure") is g.lookup("Acute-On-Chronic Liver Failure")
    assert g.lookup("acute myeloid leukaemia") is g.lookup("AML")
    assert g.lookup("herniated discs").term == "disc herniation"
    assert g.lookup("ALL").term == "acute lymphoblastic leukemia"  # only as the whole field
    assert g.replace("All patients must consent") == "All patients must consent"
    assert g.replace("Non-WOCBP") == "Non-WOCBP"  # not inside a hyphenated word


def test_every_entry_has_plain_words_and_numbers_only_inside_names(res):
    """A number in an explanation must be part of a name the entry matches ("COVID-19"), never a
    fact of its own ("over 3 months"): numbers on a page come from the record."""
    for entry in res.glossary.entries:
        assert entry.plain.strip()
        names = {w.lower() for form in (*entry.forms, entry.plain) for w in re.findall(r"[\w-]+", form)}
        for text in (entry.explain, entry.risk):
            for word in re.findall(r"[\w-]+", text):
                if any(c.isdigit() for c in word):
                    assert word.lower() in names, (entry.term, word)


def test_a_deployment_file_extends_and_overrides_the_glossary(tmp_path):
    extra = tmp_path / "glossary.json"
    extra.write_text(json.dumps({"entries": [
        {"term": "sepsis", "kind": "condition", "plain": "blood poisoning"},
        {"term": "frobnitis", "kind": "condition", "plain": "a made-up illness", "aliases": ["FRB"]}]}))
    glossary = load_glossary("en", extra)
    assert glossary.lookup("Sepsis").plain == "blood poisoning"
    assert glossary.lookup("FRB").term == "frobnitis"
    assert glossary.lookup("type 2 diabetes") is not None  # the shipped entries stay


@pytest.mark.parametrize("content, message", [
    ("not json", "not valid JSON"),
    (json.dumps({"entries": [{"term": "x", "kind": "gizmo", "plain": "y"}]}), "kind must be one of"),
    (json.dumps({"entries": [{"term": "x", "kind": "term"}]}), "needs a non-empty 'plain'"),
])
def test_a_broken_glossary_file_is_named_with_what_to_fix(tmp_path, content, message):
    path = tmp_path / "glossary.json"
    path.write_text(content)
    with pytest.raises(RulesError, match=message) as caught:
        read_entries(path)
    assert str(path) in str(caught.value)


def test_templates_and_grounding_rules_are_per_language_files(res):
    assert res.lang == "en" and res.templates.readability_lang == "en_US"
    with pytest.raises(RulesError, match="no templates for language 'xx'"):
        load_templates("xx")


def test_the_reading_grade_is_textstats_flesch_kincaid(res):
    texts = ["This study tests a new drug in adults with asthma. It plans to include 40 people.",
             "It is an early-phase trial that mainly checks safety and the right dose."]
    grader = Grader("en_US")
    for text in texts:
        sentences = [s for s in text.replace(". ", ".\n").splitlines()]
        assert grader.grade(sentences) == pytest.approx(textstat.flesch_kincaid_grade(text), abs=0.01)


def test_glossary_entries_can_be_built_in_code_too():
    g = Glossary([])
    assert g.find("anything") == [] and len(g) == 0
