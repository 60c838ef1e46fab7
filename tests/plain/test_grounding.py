"""The grounding check: a fact the record does not state is caught, whoever wrote the sentence."""

from __future__ import annotations

import pytest

from plain_records import make_trial
from trialscout.plain import Evidence


@pytest.fixture
def evidence(res):
    return Evidence(make_trial(), res.glossary, res.lexicon, res.known_words)


@pytest.mark.parametrize("sentence", [
    "This study tests Drug X in 120 adults with type 2 diabetes.",
    "It plans to include 120 people aged 18 to 75 years.",
    "Drug X is taken by mouth as a 10 mg tablet.",
    "People with an HbA1c between 7.0% and 10.5% can join.",
    "It mainly measures blood sugar control over 24 weeks.",
    "You could be in the group that gets a placebo, a look-alike with no active medicine.",
    "It is a middle-phase trial that checks whether the treatment works and how safe it is.",
])
def test_sentences_built_from_the_record_pass(evidence, sentence):
    assert evidence.problems(sentence) == []


@pytest.mark.parametrize("sentence, fact", [
    ("It plans to include 500 people.", "500"),
    ("It plans to include twelve people.", "twelve"),
    ("Drug X is taken as a 20 mg tablet.", "20 mg"),
    ("Drug X is taken as a 10 mg tablet for 12 weeks.", "12 weeks"),
    ("This study compares Drug X with metformin.", "metformin"),
    ("This study compares Drug X with semaglutide.", "semaglutide"),
    ("It is for people with cancer.", "cancer"),
    ("It could also help with liver disease.", "liver"),
    ("The study runs at Mayo Clinic.", "Mayo"),
    ("The study drug is also called ABC-123.", "ABC-123"),
])
def test_an_invented_fact_is_named(evidence, sentence, fact):
    problems = evidence.problems(sentence)
    assert problems, f"{sentence!r} passed"
    assert any(fact.split()[0] in p.text for p in problems)


def test_glossary_words_count_only_for_terms_the_record_uses(res):
    with_bilirubin = make_trial(eligibilityModule={
        "eligibilityCriteria": "Inclusion Criteria:\n\n* Total bilirubin (TBil) ≥ 171μmol/L", "sex": "ALL"})
    sentence = "To join, people need bilirubin, a marker of how well the liver clears waste, of at least 171 μmol/L."
    assert Evidence(with_bilirubin, res.glossary, res.lexicon, res.known_words).problems(sentence) == []
    without = make_trial()
    found = {p.text for p in Evidence(without, res.glossary, res.lexicon, res.known_words).problems(sentence)}
    assert {"liver", "171 μmol/L"} <= found


def test_spelling_plural_and_escapes_of_the_record_do_not_count_as_new_facts(res):
    trial = make_trial(conditionsModule={"conditions": ["Acute Myeloid Leukaemia"]},
                       eligibilityModule={"eligibilityCriteria": "* MELD score \\> 30\n* Prior infections",
                                          "sex": "ALL"})
    evidence = Evidence(trial, res.glossary, res.lexicon, res.known_words)
    assert evidence.problems("It is for people with acute myeloid leukemia.") == []
    assert evidence.problems("People with a MELD score of more than 30 cannot join.") == []
    assert evidence.problems("Recent infection rules people out.") == []
