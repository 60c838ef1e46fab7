"""The lay vocabulary: recognise a person's words for conditions and treatments and expand them.

The data is ``vocabulary.json`` (read its ``about``). :meth:`Vocabulary.match` finds the concepts a
query names, longest phrase first, tolerating a typing error per word in phrases of two or more words
("hart attack"); :meth:`Vocabulary.expansions` lists the phrases to search records for.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from .text import MAX_TOKEN_CHARS, edit_distance, stem, stems, typo_allowance, words

DATA = Path(__file__).with_name("vocabulary.json")
NARROWER_WEIGHT = 0.8
MAX_DEPTH = 3
MAX_REMEMBERED_TERMS = 200_000
_TOKEN = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class QueryToken:
    """One word of a query: as typed, lowercased and accent-folded, and its stem."""

    raw: str
    word: str
    stem: str


def tokenize(text: str) -> list[QueryToken]:
    """Split text into :class:`QueryToken` the way the index splits records (letters and digits)."""
    tokens = []
    for raw in _TOKEN.findall(text):
        if raw.isascii():  # the common case, without a trip through the analyzer
            if len(raw) <= MAX_TOKEN_CHARS:
                word = raw.lower()
                tokens.append(QueryToken(raw=raw, word=word, stem=stem(word)))
            continue
        folded = words(raw)
        for word in folded:
            tokens.append(QueryToken(raw=raw if len(folded) == 1 else word, word=word, stem=stem(word)))
    return tokens


@dataclass(frozen=True)
class Concept:
    """A condition or treatment and every way of writing it (see vocabulary.json)."""

    name: str
    terms: tuple[str, ...]
    lay: tuple[str, ...] = ()
    broader: tuple[str, ...] = ()
    exact_case: tuple[str, ...] = ()


@dataclass(frozen=True)
class Expansion:
    """A phrase to look for in records (as index tokens), how much it counts, and the term it came from."""

    tokens: tuple[str, ...]
    weight: float
    term: str


@dataclass(frozen=True)
class ConceptMatch:
    """Tokens ``start:end`` of a query name ``concept``; ``fuzzy`` when a word was misspelt."""

    concept: Concept
    start: int
    end: int
    typed: str
    fuzzy: bool = False


@dataclass(frozen=True)
class _Key:
    stems: tuple[str, ...]
    words: tuple[str, ...]
    strict: tuple[bool, ...]  # per word: an abbreviation or number, no typing errors allowed
    concept: str
    raw: str | None = None  # exact_case terms: the capitals that must be typed


@dataclass
class Vocabulary:
    concepts: dict[str, Concept]
    stopwords: frozenset[str]
    _keys: dict[tuple[str, ...], list[_Key]] = field(default_factory=dict)
    _by_stem: dict[str, list[tuple[_Key, int]]] = field(default_factory=dict)
    _narrower: dict[str, list[str]] = field(default_factory=dict)
    _ancestors: dict[str, frozenset[str]] = field(default_factory=dict)
    _longest: dict[str, int] = field(default_factory=dict)  # first stem of a term → most words of such a term
    _words: frozenset[str] = frozenset()
    _term_mentions: dict[str, frozenset[str]] = field(default_factory=dict, compare=False, repr=False)
    version: str = ""

    @classmethod
    def from_data(cls, data: dict) -> "Vocabulary":
        concepts = {}
        for item in data["concepts"]:
            concept = Concept(
                name=item["name"], terms=tuple(item["terms"]), lay=tuple(item.get("lay", ())),
                broader=tuple(item.get("broader", ())), exact_case=tuple(item.get("exact_case", ())),
            )
            if concept.name in concepts:
                raise ValueError(f"vocabulary: concept {concept.name!r} is listed twice")
            concepts[concept.name] = concept
        version = hashlib.blake2b(json.dumps(data, sort_keys=True).encode(), digest_size=4).hexdigest()
        vocabulary = cls(concepts=concepts, stopwords=frozenset(data.get("stopwords", ())), version=version)
        vocabulary._build()
        return vocabulary

    def _build(self) -> None:
        all_words: set[str] = set()
        for concept in self.concepts.values():
            for parent in concept.broader:
                if parent not in self.concepts:
                    raise ValueError(f"vocabulary: {concept.name!r} names an unknown broader concept {parent!r}")
                self._narrower.setdefault(parent, []).append(concept.name)
            for term in concept.terms + concept.lay:
                key = _key(term, concept.name, exact=term in concept.exact_case)
                if not key.stems:
                    continue
                all_words.update(key.words)
                self._keys.setdefault(key.stems, []).append(key)
                self._longest[key.stems[0]] = min(8, max(self._longest.get(key.stems[0], 0), len(key.stems)))
                if len(key.stems) > 1:
                    for position, token in enumerate(key.stems):
                        self._by_stem.setdefault(token, []).append((key, position))
        self._words = frozenset(w for w in all_words if len(w) > 2 and not w.isdigit())
        for name in self.concepts:
            found, frontier = set(), [name]
            while frontier:
                for parent in self.concepts[frontier.pop()].broader:
                    if parent not in found:
                        found.add(parent)
                        frontier.append(parent)
            self._ancestors[name] = frozenset(found)

    @property
    def words(self) -> frozenset[str]:
        """Every word of every term (for the spelling corrector)."""
        return self._words

    def is_stopword(self, token: QueryToken) -> bool:
        return token.word in self.stopwords

    def mentions(self, text: str) -> set[str]:
        """Concepts a record's text names (exact words, longest phrase first), with all their broader
        concepts: what the index files the record under ("ACLF" → also "liver failure", "liver disease").

        The same reading as ``match(tokenize(text), fuzzy=False)``, without building tokens (index time
        reads every title, condition and MeSH term of every record)."""
        if text.isascii():
            raws = [r for r in _TOKEN.findall(text) if len(r) <= MAX_TOKEN_CHARS and r.lower() != "s"]
            found_stems = [stem(r.lower()) for r in raws]
        else:
            tokens = [t for t in tokenize(text) if t.word != "s"]
            raws, found_stems = [t.raw for t in tokens], [t.stem for t in tokens]
        found: set[str] = set()
        a, n, longest = 0, len(found_stems), self._longest
        while a < n:
            end, concept, most = a + 1, None, longest.get(found_stems[a])
            if most is None:  # no term starts with this word
                a = end
                continue
            for b in range(min(n, a + most), a, -1):
                for key in self._keys.get(tuple(found_stems[a:b]), ()):
                    if key.raw is None or key.raw == " ".join(raws[a:b]):
                        end, concept = b, key.concept
                        break
                if concept is not None:
                    break
            if concept is not None:
                found.add(concept)
                found |= self._ancestors[concept]
            a = end
        return found

    def mentions_term(self, term: str) -> frozenset[str]:
        """:meth:`mentions` for a short text that recurs across records (a condition, a MeSH term or ancestor,
        a keyword, a treatment's name): remembered, since a registry names "Breast Cancer" thousands of times."""
        found = self._term_mentions.get(term)
        if found is None:
            if len(self._term_mentions) >= MAX_REMEMBERED_TERMS:
                self._term_mentions.clear()
            found = self._term_mentions[term] = frozenset(self.mentions(term))
        return found

    def match(self, tokens: Sequence[QueryToken], fuzzy: bool = True) -> list[ConceptMatch]:
        """The concepts ``tokens`` name, left to right, longest and exact matches first, not overlapping."""
        kept = [i for i, t in enumerate(tokens) if t.word != "s"]  # "Parkinson's" = "Parkinsons"
        found: list[tuple[int, int, bool, _Key]] = []  # (start, end) in kept positions
        for a in range(len(kept)):
            longest = self._longest.get(tokens[kept[a]].stem, 0)  # no term starts here: nothing to look up
            for b in range(a + 1, min(len(kept), a + min(8, longest)) + 1):
                key_stems = tuple(tokens[kept[i]].stem for i in range(a, b))
                for key in self._keys.get(key_stems, ()):
                    if key.raw is None or key.raw == " ".join(tokens[kept[i]].raw for i in range(a, b)):
                        found.append((a, b, False, key))
        for p in range(len(kept) if fuzzy else 0):
            for key, position in self._by_stem.get(tokens[kept[p]].stem, ()):
                a, b = p - position, p - position + len(key.stems)
                if a >= 0 and b <= len(kept) and key.raw is None and \
                        _fuzzy_equal([tokens[kept[i]] for i in range(a, b)], key):
                    found.append((a, b, True, key))
        found.sort(key=lambda f: (f[0], -(f[1] - f[0]), f[2]))
        matches: list[ConceptMatch] = []
        cursor = 0
        for a, b, fuzzy, key in found:
            if a < cursor:
                continue
            start, end = kept[a], kept[b - 1] + 1
            typed = " ".join(t.raw for t in tokens[start:end])
            matches.append(ConceptMatch(self.concepts[key.concept], start, end, typed, fuzzy))
            cursor = b
        return matches

    def expansions(self, concept: Concept) -> list[Expansion]:
        """Phrases to search for: the concept's own terms, then those of narrower concepts (weighted less)."""
        out: dict[tuple[str, ...], Expansion] = {}
        frontier, seen, weight = [concept.name], {concept.name}, 1.0
        for _ in range(MAX_DEPTH + 1):
            nxt = []
            for name in frontier:
                for term in self.concepts[name].terms:
                    tokens = tuple(stems(term))
                    if tokens and tokens not in out:
                        out[tokens] = Expansion(tokens, weight, term)
                for child in self._narrower.get(name, ()):
                    if child not in seen:
                        seen.add(child)
                        nxt.append(child)
            frontier, weight = nxt, weight * NARROWER_WEIGHT
            if not frontier:
                break
        return list(out.values())


def _key(term: str, concept: str, exact: bool) -> _Key:
    tokens = [t for t in tokenize(term) if t.word != "s"]
    strict = tuple(_is_abbreviation(t.raw) for t in tokens)
    return _Key(stems=tuple(t.stem for t in tokens), words=tuple(t.word for t in tokens), strict=strict,
                concept=concept, raw=" ".join(t.raw for t in tokens) if exact else None)


def _is_abbreviation(raw: str) -> bool:
    return any(c.isdigit() for c in raw) or sum(c.isupper() for c in raw) >= 2 or len(raw) <= 3


def _fuzzy_equal(tokens: Sequence[QueryToken], key: _Key) -> bool:
    """Each word equal, or within its typing allowance, and at least one word exactly equal."""
    exact = 0
    for token, key_stem, key_word, strict in zip(tokens, key.stems, key.words, key.strict):
        if token.stem == key_stem:
            exact += 1
            continue
        if strict or len(token.word) < 3:
            return False
        allowance = typo_allowance(key_word)
        if min(edit_distance(token.word, key_word, allowance), edit_distance(token.stem, key_stem, allowance)) > allowance:
            return False
    return exact > 0


@cache
def default_vocabulary() -> Vocabulary:
    """The bundled vocabulary (vocabulary.json), loaded once."""
    return Vocabulary.from_data(json.loads(DATA.read_text(encoding="utf-8")))
