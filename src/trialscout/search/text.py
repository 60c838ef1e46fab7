"""How text is cut into words, the same way for the index and for a person's query.

Two analyzers: ``stemmed`` (what the text fields index: "Stem Cells" → ``stem``, ``cell``) and
``words`` (unstemmed, for the spelling lexicon: "Cells" → ``cells``). Both lowercase and fold
accents ("Diabète" → ``diabete``) and drop tokens longer than 40 characters.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache

import tantivy

STEMMED = "trialscout_stemmed"
WORDS = "trialscout_words"
MAX_TOKEN_CHARS = 40

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def _builder() -> tantivy.TextAnalyzerBuilder:
    return (tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
            .filter(tantivy.Filter.remove_long(MAX_TOKEN_CHARS))
            .filter(tantivy.Filter.lowercase())
            .filter(tantivy.Filter.ascii_fold()))


@cache
def analyzers() -> dict[str, tantivy.TextAnalyzer]:
    """The analyzers to register on every index, by name."""
    return {
        STEMMED: _builder().filter(tantivy.Filter.stemmer("english")).build(),
        WORDS: _builder().build(),
    }


def clean(text: str) -> str:
    """Unicode-normalise (NFKC), drop control and direction characters, collapse white space."""
    text = _CONTROL.sub(" ", unicodedata.normalize("NFKC", text))
    return " ".join(text.split())


def words(text: str) -> list[str]:
    """Lowercased, accent-folded words of ``text``, unstemmed (``"UC-MSC"`` → ``["uc", "msc"]``)."""
    return analyzers()[WORDS].analyze(text)


def stems(text: str) -> list[str]:
    """The index's tokens for ``text`` (``"stem cells"`` → ``["stem", "cell"]``)."""
    return analyzers()[STEMMED].analyze(text)


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """The stem of one (already lowercased) word; the word itself if it has no stem."""
    found = analyzers()[STEMMED].analyze(word)
    return found[0] if found else word


def edit_distance(a: str, b: str, limit: int) -> int:
    """Damerau-Levenshtein distance (adjacent swaps cost 1), or ``limit + 1`` once it exceeds ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1] if previous[-1] <= limit else limit + 1


def typo_allowance(word: str) -> int:
    """How many typing errors a word of this length may carry and still be recognised."""
    if len(word) >= 8:
        return 2
    if len(word) >= 4:
        return 1
    return 0
