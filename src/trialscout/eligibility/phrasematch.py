"""Fast phrase lookup: many phrases matched by hashing word n-grams, not by one huge regex.

``PhraseIndex`` behaves like the small part of ``re.Pattern`` the extractors use
(``finditer``, ``search``; matches have ``start()``, ``end()``, ``group(0)``),
finds the longest phrase at each position, and is several times faster than a
regex alternation of a few hundred phrases. Phrases match case-insensitively,
abbreviations with exact case; both on whole tokens.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable

_TOKEN = re.compile(r"[^\W_]+(?:['’][^\W_]+)*|\S")


@lru_cache(maxsize=2048)
def _tokenize(text: str) -> tuple[tuple[str, ...], tuple[str, ...], frozenset[str]]:
    """(words, lower-cased words, the set of lower-cased words) of ``text``.

    Cached: many indexes scan the same text, and most find none of their first words in it.
    """
    words = tuple(_TOKEN.findall(text))
    lowered = tuple(map(str.lower, words))
    return words, lowered, frozenset(lowered)


@lru_cache(maxsize=2048)
def _spans(text: str) -> tuple[tuple[int, int], ...]:
    """(start, end) of each token of ``_tokenize(text)``; looked up only where a phrase was found.

    Tokens are separated by whitespace alone (``\\S`` takes every other character), so each
    token is the first occurrence of its text after the previous one.
    """
    out = []
    at = 0
    for word in _tokenize(text)[0]:
        at = text.find(word, at)
        out.append((at, at + len(word)))
        at += len(word)
    return tuple(out)


def word_set(text: str) -> frozenset[str]:
    """The lower-cased words of ``text`` as the indexes see them (computed once per text and shared)."""
    return _tokenize(text)[2]


def tokens(text: str) -> list[str]:
    """Tokens as the index sees them (words, and each punctuation mark alone)."""
    return _TOKEN.findall(text)


@dataclass(frozen=True)
class PhraseMatch:
    """A found phrase: offsets into the searched text and the value it maps to."""

    string: str
    begin: int
    finish: int
    value: str

    def start(self) -> int:
        """Start offset (``re.Match`` compatible)."""
        return self.begin

    def end(self) -> int:
        """End offset (``re.Match`` compatible)."""
        return self.finish

    def group(self, index: int = 0) -> str:
        """The matched text (only group 0 exists)."""
        return self.string[self.begin:self.finish]


class PhraseIndex:
    """Longest-match lookup of phrases (case-insensitive) and abbreviations (exact case)."""

    def __init__(self, phrases: dict[str, str] | Iterable[str], exact: dict[str, str] | None = None) -> None:
        items = phrases.items() if isinstance(phrases, dict) else ((p, p) for p in phrases)
        self._lower: dict[tuple[str, ...], str] = {}
        self._exact: dict[tuple[str, ...], str] = {}
        for phrase, value in items:
            key = tuple(t.lower() for t in tokens(phrase))
            if key:
                self._lower.setdefault(key, value)
        for phrase, value in (exact or {}).items():
            key = tuple(tokens(phrase))
            if key:
                self._exact.setdefault(key, value)
        lengths = [len(k) for k in self._lower] + [len(k) for k in self._exact]
        self._max = max(lengths, default=0)
        self._first = {k[0] for k in self._lower} | {k[0].lower() for k in self._exact}
        # The longest phrase starting with each first word (lower-cased / exact case): longer
        # sizes cannot match there, so the look-up at a position tries only the sizes that can.
        self._longest_lower: dict[str, int] = {}
        for k in self._lower:
            self._longest_lower[k[0]] = max(self._longest_lower.get(k[0], 0), len(k))
        self._longest_exact: dict[str, int] = {}
        for k in self._exact:
            self._longest_exact[k[0]] = max(self._longest_exact.get(k[0], 0), len(k))

    @property
    def first_words(self) -> frozenset[str]:
        """Every (lower-cased) word a phrase can start with: a text with none of them matches nothing."""
        return frozenset(self._first)

    def finditer(self, text: str, pos: int = 0, endpos: int | None = None) -> list[PhraseMatch]:
        """Non-overlapping longest matches, left to right, within ``text[pos:endpos]``."""
        if self._first.isdisjoint(_tokenize(text)[2]):
            return []  # no phrase starts with any word of the text (most look-ups)
        return self._find(text, pos, endpos, first_only=False)

    def search(self, text: str) -> PhraseMatch | None:
        """First match or ``None``."""
        if self._first.isdisjoint(_tokenize(text)[2]):
            return None
        found = self._find(text, 0, None, first_only=True)
        return found[0] if found else None

    def contains(self, text: str) -> bool:
        """Whether ``search(text)`` finds a phrase (the same scan, without offsets or a match object)."""
        words, lowered, present = _tokenize(text)
        if self._first.isdisjoint(present):
            return False
        starts = self._first.intersection(present)
        n = len(words)
        return any(word in starts and self._longest_at(words, lowered, k, n) for k, word in enumerate(lowered))

    def _longest_at(self, words: tuple[str, ...], lowered: tuple[str, ...], k: int,
                    n: int) -> tuple[int, str] | None:
        """The longest phrase starting at word ``k`` (ending by word ``n``): (its length in words, its value)."""
        low_max = self._longest_lower.get(lowered[k], 0)
        exact_max = self._longest_exact.get(words[k], 0)
        for size in range(min(max(low_max, exact_max), n - k), 0, -1):
            value = ((self._lower.get(lowered[k:k + size]) if size <= low_max else None)
                     or (self._exact.get(words[k:k + size]) if size <= exact_max else None))
            if value is not None:
                return size, value
        return None

    def _find(self, text: str, pos: int, endpos: int | None, first_only: bool) -> list[PhraseMatch]:
        words, lowered, present = _tokenize(text)
        if self._first.isdisjoint(present):
            return []
        starts = self._first.intersection(present)
        i, n = 0, len(words)
        spans = None  # token offsets, looked up only when needed
        if pos or endpos is not None:
            spans = _spans(text)
            end_limit = len(text) if endpos is None else endpos
            i = next((k for k, (s, _) in enumerate(spans) if s >= pos), n)
            n = next((k for k, (_, e) in enumerate(spans) if e > end_limit), n)
        out: list[PhraseMatch] = []
        for k, word in enumerate(lowered):  # only where a phrase can start, left to right
            if k < i or word not in starts:
                continue
            if k >= n:
                break
            hit = self._longest_at(words, lowered, k, n)
            if hit is None:
                continue
            size, value = hit
            if spans is None:
                spans = _spans(text)
            out.append(PhraseMatch(text, spans[k][0], spans[k + size - 1][1], value))
            if first_only:
                break
            i = k + size
        return out

    def lookup(self, phrase: str) -> str | None:
        """Value of exactly this phrase (case-insensitive, or exact case for abbreviations)."""
        toks = tokens(phrase)
        return self._lower.get(tuple(t.lower() for t in toks)) or self._exact.get(tuple(toks))
