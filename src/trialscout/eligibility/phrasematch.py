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
def _tokenize(text: str) -> tuple[tuple[tuple[int, int], ...], tuple[str, ...], tuple[str, ...], dict[str, list[int]]]:
    """(spans, words, lower-cased words, where each lower-cased word occurs) of ``text``.

    Cached: many indexes scan the same text.
    """
    found = list(_TOKEN.finditer(text))
    words = tuple(map(_GROUP, found))
    lowered = tuple(map(str.lower, words))
    where: dict[str, list[int]] = {}
    for i, word in enumerate(lowered):
        where.setdefault(word, []).append(i)
    return tuple(map(_SPAN, found)), words, lowered, where


_GROUP = re.Match.group
_SPAN = re.Match.span


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

    def finditer(self, text: str, pos: int = 0, endpos: int | None = None) -> list[PhraseMatch]:
        """Non-overlapping longest matches, left to right, within ``text[pos:endpos]``."""
        return self._find(text, pos, endpos, first_only=False)

    def search(self, text: str) -> PhraseMatch | None:
        """First match or ``None``."""
        found = self._find(text, 0, None, first_only=True)
        return found[0] if found else None

    def _find(self, text: str, pos: int, endpos: int | None, first_only: bool) -> list[PhraseMatch]:
        spans, words, lowered, where = _tokenize(text)
        starts = self._first.intersection(where)  # iterates the text's words
        if not starts:
            return []
        end_limit = len(text) if endpos is None else endpos
        i, n = 0, len(spans)
        if pos or endpos is not None:
            i = next((k for k, (s, _) in enumerate(spans) if s >= pos), n)
            n = next((k for k, (_, e) in enumerate(spans) if e > end_limit), n)
        candidates = where[next(iter(starts))] if len(starts) == 1 else sorted(k for w in starts for k in where[w])
        out: list[PhraseMatch] = []
        lower_map, exact_map, longest = self._lower, self._exact, self._max
        for k in candidates:  # only where a phrase can start, left to right
            if k < i:
                continue
            if k >= n:
                break
            hit = None
            for size in range(min(longest, n - k), 0, -1):
                value = lower_map.get(lowered[k:k + size]) or exact_map.get(words[k:k + size])
                if value is not None:
                    hit = (size, value)
                    break
            if hit is None:
                continue
            size, value = hit
            out.append(PhraseMatch(text, spans[k][0], spans[k + size - 1][1], value))
            if first_only:
                break
            i = k + size
        return out

    def lookup(self, phrase: str) -> str | None:
        """Value of exactly this phrase (case-insensitive, or exact case for abbreviations)."""
        toks = tokens(phrase)
        return self._lower.get(tuple(t.lower() for t in toks)) or self._exact.get(tuple(toks))
