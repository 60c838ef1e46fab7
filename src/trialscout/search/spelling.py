"""Correct a misspelt word to a word the records (or the vocabulary) actually use.

Candidates are words of the index lexicon that start with the same two letters (or the vocabulary's
words that start with the same letter) within the word's typing allowance (one error in words of four
to seven letters, two in longer ones). The closest wins; ties go to vocabulary words, then to the word
more records use.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from .text import edit_distance, typo_allowance


class Lexicon(Protocol):
    """The words records use, with how many records use each."""

    def frequency(self, word: str) -> int: ...

    def words_starting(self, prefix: str) -> Iterable[tuple[str, int]]: ...


class EmptyLexicon:
    def frequency(self, word: str) -> int:
        return 0

    def words_starting(self, prefix: str) -> Iterable[tuple[str, int]]:
        return ()


class Speller:
    def __init__(self, vocabulary_words: Iterable[str], lexicon: Lexicon | None = None) -> None:
        self.lexicon: Lexicon = lexicon or EmptyLexicon()
        self.vocabulary_words = frozenset(vocabulary_words)
        self._by_initial: dict[str, list[str]] = {}
        for word in sorted(self.vocabulary_words):
            self._by_initial.setdefault(word[:1], []).append(word)

    def using(self, lexicon: Lexicon) -> "Speller":
        """The same speller over another lexicon (the index as it is now)."""
        bound = Speller.__new__(Speller)
        bound.lexicon, bound.vocabulary_words, bound._by_initial = lexicon, self.vocabulary_words, self._by_initial
        return bound

    def known(self, word: str) -> bool:
        return word in self.vocabulary_words or self.lexicon.frequency(word) > 0

    def correct(self, word: str) -> str | None:
        """The word meant by ``word`` if ``word`` is unknown and a close known word exists; else ``None``."""
        allowance = typo_allowance(word)
        if allowance == 0 or not word.isalpha() or self.known(word):
            return None
        best: tuple[int, int, int, str] | None = None
        candidates = [(w, self.lexicon.frequency(w)) for w in self._by_initial.get(word[:1], ())]
        candidates += list(self.lexicon.words_starting(word[:2]))
        for candidate, frequency in candidates:
            if candidate == word or abs(len(candidate) - len(word)) > allowance or not candidate.isalpha():
                continue
            distance = edit_distance(word, candidate, allowance)
            if distance > allowance:
                continue
            rank = (distance, 0 if candidate in self.vocabulary_words else 1, -frequency, candidate)
            if best is None or rank < best:
                best = rank
        return best[3] if best else None
