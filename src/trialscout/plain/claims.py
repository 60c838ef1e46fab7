"""Reading the facts out of a sentence: numbers, amounts, names, claim words.

A pure function of the sentence and the language's lexicon, so :class:`ClaimReader` caches
it: template sentences repeat across thousands of trials.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from .lexicon import Lexicon, unit_key
from .text import NUMBER_AT_DIGIT, WORD, normalize, number_key

@dataclass(frozen=True)
class Claim:
    """One fact a sentence states, as the check needs it (see :func:`read_claims`)."""

    kind: str  # amount | number | word
    text: str
    key: str = ""  # amount/number: the canonical number; word: the lower-cased word
    unit: str = ""  # amount: the canonical unit
    code: bool = False  # word: letters with digits, or an acronym: must be in the record as written
    parts: tuple[str, ...] = ()  # word: its hyphen parts
    claim_parts: tuple[str, ...] = ()  # word: the parts that are claim words
    whole_claim: bool = False  # word: the word itself is a claim word
    named: bool = False  # word: a capitalised word that is not ordinary vocabulary


NUMBER_FAST = re.compile(NUMBER_AT_DIGIT)
_DIGIT = re.compile(r"\d")
_MISSING = object()
_OPENERS = frozenset(" \"'(“‘")
_LETTER = re.compile(r"[^\W\d_]")


class ClaimReader:
    """Finds the facts in a sentence; a pure function of the sentence, so results are cached."""

    def __init__(self, lexicon: Lexicon, known_words: frozenset[str], size: int = 50_000) -> None:
        self.lexicon = lexicon
        self.known_words = known_words
        self._cache: dict[str, tuple[Claim, ...]] = {}
        self._ordinary: dict[str, bool] = {}  # word -> True when it can state no fact
        self._words: dict[tuple[str, bool], Claim | None] = {}  # (word, opens a sentence) -> its claim
        self._size = size

    def clear(self) -> None:
        self._cache.clear()
        self._ordinary.clear()
        self._words.clear()

    def __call__(self, sentence: str) -> tuple[Claim, ...]:
        found = self._cache.get(sentence)
        if found is None:
            if len(self._cache) >= self._size:
                self._cache.clear()
            found = self._cache[sentence] = tuple(self._read(sentence))
        return found

    def _read(self, sentence: str) -> list[Claim]:
        lex = self.lexicon
        text = normalize(sentence)
        out: list[Claim] = []
        if _DIGIT.search(text) is not None:  # amounts and numbers need a digit
            spans: list[tuple[int, int]] = []
            for m in lex.quantity.finditer(text):
                spans.append(m.span())
                out.append(Claim("amount", m.group(0), number_key(m.group(1)) or "?", unit_key(m.group(2))))
            for m in NUMBER_FAST.finditer(text):
                if not any(a <= m.start() < b for a, b in spans):
                    out.append(Claim("number", m.group(), number_key(m.group()) or "?"))
        ordinary, words = self._ordinary, self._words
        if len(ordinary) >= self._size or len(words) >= self._size:
            ordinary.clear()
            words.clear()
        tokens = WORD.findall(text)
        offset = 0
        for position, plain in enumerate(map(ordinary.get, tokens)):
            if plain:
                continue  # an ordinary lower-case word: the common case
            token = tokens[position]
            if plain is None:
                if ordinary.setdefault(token, self._is_ordinary(token)):
                    continue
            at = text.find(token, offset)
            offset = at + len(token)
            key = (token, position == 0 or _after_break(text, at))
            claim = words.get(key, _MISSING)
            if claim is _MISSING:
                claim = words[key] = self._word(*key)
            if claim is not None:
                out.append(claim)
        return out

    def _is_ordinary(self, token: str) -> bool:
        """A lower-case word that is not a claim word, a number word or a word with a claim suffix."""
        lex = self.lexicon
        return token.isalpha() and token.islower() and token not in lex.claim_words and (
            token not in lex.number_words) and (len(token) < lex.suffix_min_length or not token.endswith(lex.claim_suffixes))

    def _word(self, token: str, sentence_start: bool) -> Claim | None:
        lex = self.lexicon
        lower = token.lower()
        if lower in lex.number_words:
            return Claim("number", token, lex.number_words[lower])
        if not token.isalpha() and _DIGIT.search(token):
            if not _LETTER.search(token):
                return None  # a bare number: read with the numbers
            return Claim("word", token, lower, code=True)
        letters = [c for c in token if c.isalpha()]
        if len(letters) >= 2 and token == token.upper():
            return Claim("word", token, lower, code=True)
        split = "-" in lower or "'" in lower or "’" in lower
        parts = tuple(p for p in re.split(r"[-'’]", lower) if p) if split else (lower,)
        claims = tuple(p for p in parts if p != lower and lex.is_claim_word(p))
        whole = lex.is_claim_word(lower, suffixes=not split)
        named = token[:1].isupper() and not (lower in self.known_words or (sentence_start and lower in lex.common_words))
        if not (claims or whole or named):
            return None
        return Claim("word", token, lower, parts=parts, claim_parts=claims, whole_claim=whole, named=named)


def _after_break(text: str, start: int) -> bool:
    """True when the word at ``start`` opens a sentence, a list item or a quoted clause."""
    i = start - 1
    while i >= 0 and text[i] in _OPENERS:
        i -= 1
    return i < 0 or text[i] in ".!?:;。！？"


def known_vocabulary(texts: Iterable[str]) -> frozenset[str]:
    """Lower-cased words of trusted wording (templates, labels, glossary plain words)."""
    return frozenset(w.lower() for text in texts for w in WORD.findall(text))
