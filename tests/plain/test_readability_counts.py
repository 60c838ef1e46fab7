"""The reading grade counts words and syllables exactly as textstat does, sentence for sentence."""

from __future__ import annotations

import pytest
from textstat.textstat import textstatistics

from trialscout.plain import Grader, TemplateWriter
from trialscout.plain.readability import _counting_lang
from trialscout.plain.summary import summary_variants

AWKWARD = [
    "It's the patients' own choice: don't stop, we'll see.",
    "Non-small-cell lung cancer (NSCLC) stage III–IV; ECOG 0-1.",
    "ΟΔΟΣ ΚΑΙ ΣΟΦΙΑΣ. Σίσυφος έλεγε 'όχι'.",
    "İstanbul, Straße, ﬁnal café naïve résumé — 1×10^8 cells/kg.",
    "Take 2.5 mg/kg twice a day (b.i.d.) for 12 weeks... then stop!",
    "   leading and trailing   spaces   ",
    "''' --- ... !!! ???",
    "x",
    "Rock'n'roll, o'clock, ma'am, y'all'd've.",
]


def _textstat(sentence: str, lang: str) -> tuple[int, int, int]:
    scorer = textstatistics()
    scorer.set_lang(_counting_lang(lang))
    return scorer.lexicon_count(sentence), scorer.syllable_count(sentence), scorer.sentence_count(sentence)


@pytest.fixture(scope="module")
def generated_sentences(res, demo_trials) -> list[str]:
    """Every variant of every summary sentence the writer considers for the demo trials."""
    writer = TemplateWriter(res)
    out: set[str] = set()
    for trial in demo_trials:
        for variants in summary_variants(writer.reading(trial), res):
            out.update(variants)
    return sorted(out)


def test_counts_are_textstat_counts_for_every_generated_sentence(res, generated_sentences):
    lang = res.templates.readability_lang
    grader = Grader(lang)
    assert len(generated_sentences) > 1000
    for sentence in generated_sentences + AWKWARD:
        counts = grader.counts(sentence)
        assert (counts.words, counts.syllables, counts.sentences) == _textstat(sentence, lang), sentence


def test_grade_of_a_text_is_textstat_grade_of_the_joined_text(res, generated_sentences):
    lang = res.templates.readability_lang
    grader = Grader(lang)
    scorer = textstatistics()
    scorer.set_lang(_counting_lang(lang))
    for start in range(0, 400, 4):
        sentences = generated_sentences[start:start + 4]
        assert grader.grade(sentences) == pytest.approx(scorer.flesch_kincaid_grade(" ".join(sentences)), abs=0.01)


def test_a_language_without_pronunciations_counts_by_hyphenation(res):
    grader = Grader("de_DE")
    for sentence in ["Die Teilnehmer erhalten zweimal täglich eine Tablette.", *AWKWARD]:
        counts = grader.counts(sentence)
        assert (counts.words, counts.syllables, counts.sentences) == _textstat(sentence, "de_DE"), sentence
