"""Reading a person's words: vocabulary, spelling, places in the text, distances and filters."""

from __future__ import annotations

import json

import pytest

from trialscout.search.errors import InvalidQuery
from trialscout.search.query import SearchRequest, find_place, parse_distance, read_filters, understand
from trialscout.search.spelling import Speller
from trialscout.search.vocabulary import DATA, Vocabulary, default_vocabulary, tokenize


class WordList:
    """A lexicon from a word list (instead of the index)."""

    def __init__(self, words: dict[str, int]) -> None:
        self.words = words

    def frequency(self, word: str) -> int:
        return self.words.get(word, 0)

    def words_starting(self, prefix: str):
        return [(w, n) for w, n in self.words.items() if w.startswith(prefix)]


@pytest.fixture(scope="module")
def vocabulary() -> Vocabulary:
    return default_vocabulary()


def concepts(vocabulary: Vocabulary, text: str) -> list[str]:
    return [m.concept.name for m in vocabulary.match(tokenize(text))]


@pytest.mark.parametrize("text, concept", [
    ("ACLF", "acute-on-chronic liver failure"), ("ALF", "acute liver failure"), ("HCC", "hepatocellular carcinoma"),
    ("MSC", "mesenchymal stem cells"), ("UC-MSC", "umbilical cord mesenchymal stem cells"),
    ("iPSC", "induced pluripotent stem cells"), ("NSCLC", "non-small cell lung cancer"), ("T2DM", "type 2 diabetes"),
    ("heart attack", "myocardial infarction"), ("liver stopped working", "liver failure"),
    ("Parkinson's disease", "parkinson disease"), ("can't sleep", "insomnia"), ("slipped disc", "herniated disc"),
])
def test_lay_words_and_abbreviations_name_concepts(vocabulary, text, concept):
    assert concepts(vocabulary, text) == [concept]


def test_longest_phrase_wins_and_phrases_do_not_overlap(vocabulary):
    assert concepts(vocabulary, "stem cell transplant for leukemia") == [
        "hematopoietic stem cell transplantation", "leukemia"]
    assert concepts(vocabulary, "non small cell lung cancer immunotherapy") == [
        "non-small cell lung cancer", "immunotherapy"]


def test_a_typing_error_in_a_phrase_is_forgiven_but_not_in_an_abbreviation(vocabulary):
    match = vocabulary.match(tokenize("hart attack"))[0]
    assert match.concept.name == "myocardial infarction" and match.fuzzy
    assert concepts(vocabulary, "ACLX") == []
    assert concepts(vocabulary, "hart atak") == []  # every word wrong is too far


def test_exact_case_terms_need_their_capitals(vocabulary):
    assert concepts(vocabulary, "ALL in children") == ["acute lymphoblastic leukemia", "children"]
    assert concepts(vocabulary, "all trials for children") == ["children"]


def test_expansions_include_narrower_concepts_weighted_less(vocabulary):
    expansions = {e.term: e.weight for e in vocabulary.expansions(vocabulary.concepts["liver failure"])}
    assert expansions["hepatic failure"] == 1.0
    assert expansions["ACLF"] < 1.0 and expansions["acute liver failure"] < 1.0
    stem_cells = {e.term for e in vocabulary.expansions(vocabulary.concepts["stem cells"])}
    assert {"mesenchymal stromal cells", "UC-MSC", "BM-MSC", "iPSC", "hepatocyte-like cells"} <= stem_cells


def test_vocabulary_data_is_consistent():
    data = json.loads(DATA.read_text(encoding="utf-8"))
    names = [c["name"] for c in data["concepts"]]
    assert len(names) == len(set(names))
    Vocabulary.from_data(data)  # checks every broader concept exists
    with pytest.raises(ValueError, match="unknown broader"):
        Vocabulary.from_data({"concepts": [{"name": "a", "terms": ["a"], "broader": ["b"]}]})


def test_speller_corrects_unknown_words_to_the_closest_known_word(vocabulary):
    speller = Speller(vocabulary.words, WordList({"diabetes": 50, "diabetic": 20, "dialysis": 5}))
    assert speller.correct("diabetis") == "diabetes"
    assert speller.correct("schizofrenia") == "schizophrenia"  # a vocabulary word
    assert speller.correct("diabetes") is None  # known
    assert speller.correct("xqzv") is None
    assert speller.correct("abc") is None  # too short to guess


def test_understanding_reports_corrections_age_and_phase(vocabulary):
    speller = Speller(vocabulary.words, WordList({"asthma": 10}))
    read = understand("astma trials for my 8 year old, phase 3", vocabulary, speller)
    assert [c.concept for c in read.concepts] == ["asthma"]
    assert ("astma", "asthma") in read.corrections
    assert read.age == 8 and read.phases == ("PHASE3",)


def test_stopwords_and_symbols_are_left_out(vocabulary):
    read = understand("please find trials for 😀 the ((( sepsis ]]] near", vocabulary, Speller(vocabulary.words))
    assert [c.concept for c in read.concepts] == ["sepsis"]


def test_too_long_text_is_refused_with_a_message(vocabulary):
    with pytest.raises(InvalidQuery, match="keep it under") as error:
        understand("asthma " * 500, vocabulary, Speller(vocabulary.words))
    assert error.value.parameter == "q"


@pytest.mark.parametrize("text, rest, place, strict", [
    ("liver failure stem cells near Guangzhou", "liver failure stem cells", "Guangzhou", True),
    ("asthma near Springfield, IL", "asthma", "Springfield, IL", True),
    ("leukemia in Paris, France", "leukemia", "Paris, France", False),
    ("diabetes within 30 miles of Boston", "diabetes", "Boston", True),
])
def test_places_in_the_text_are_found(text, rest, place, strict):
    found = find_place(text)
    assert (found.rest, found.place, found.strict) == (rest, place, strict)


def test_no_place_in_plain_words():
    assert find_place("stem cells for liver failure") is None


@pytest.mark.parametrize("text, km", [("50km", 50), ("50 km", 50), ("30mi", 30 * 1.609344), ("30 miles", 30 * 1.609344),
                                      ("12.5", 12.5), (None, 100)])
def test_distances(text, km):
    assert parse_distance(text).km == pytest.approx(km)


@pytest.mark.parametrize("text", ["far", "-5km", "0km", "50 parsecs", "1e9", "99999km"])
def test_bad_distances_say_how_to_write_one(text):
    with pytest.raises(InvalidQuery) as error:
        parse_distance(text)
    assert error.value.parameter == "within"


def test_filters_are_normalised():
    filters = read_filters(SearchRequest(status=("recruiting", "completed"), phase=("2,3",), sex="Female",
                                         study_type=("interventional",)))
    assert filters.statuses == {"RECRUITING", "COMPLETED"}
    assert filters.phases == {"PHASE2", "PHASE3"}
    assert filters.sex == "FEMALE" and filters.study_types == {"INTERVENTIONAL"}
    assert read_filters(SearchRequest(status=("any",))).statuses is None
