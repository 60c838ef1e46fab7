"""The lay glossary: medical terms and the plain words for them, kept as data.

``rules/glossary.LANG.json`` holds entries like::

    {"term": "hepatic encephalopathy", "aliases": ["HE"], "kind": "condition",
     "plain": "confusion caused by liver disease",
     "explain": "confusion and sleepiness caused by a liver that cannot clear toxins"}

``plain`` replaces the term in a simplified sentence; ``explain`` follows the term where it
is first named ("X, EXPLAIN, ..."); ``risk`` (routes, procedures) says what can go wrong.
Kinds: condition, substance, treatment, procedure, measure, lab, route, term; an entry may
have several (``"kind": ["lab", "measure"]``). Matching ignores case,
hyphens, plural ``s`` and British/American spelling; an all-capital alias of up to five
letters ("ALL", "AML") matches only in capitals. A deployment extends the glossary with its
own file of the same shape (``$TRIALSCOUT_HOME/glossary.json``); its entries win.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache, cached_property, lru_cache
from pathlib import Path

from .errors import RulesError
from .text import WORD

RULES_DIR = Path(__file__).with_name("rules")
KINDS = frozenset({"condition", "substance", "treatment", "procedure", "measure", "lab", "route", "term"})
_TOKEN = re.compile(r"[^\W_]+(?:['’]s\b)?")
_SPELLING = (("ae", "e"), ("oe", "e"), ("our", "or"))


@dataclass(frozen=True)
class Entry:
    term: str
    kinds: tuple[str, ...]
    plain: str
    explain: str = ""
    risk: str = ""
    aliases: tuple[str, ...] = ()
    exact_aliases: tuple[str, ...] = ()

    @property
    def kind(self) -> str:
        return self.kinds[0]

    @property
    def description(self) -> str:
        """The phrase that explains the term: ``explain`` if given, else ``plain``."""
        return self.explain or self.plain

    @property
    def forms(self) -> tuple[str, ...]:
        """The term and the aliases that may match inside running text."""
        return (self.term, *self.aliases)

    @cached_property
    def name_forms(self) -> tuple[tuple[tuple[str, ...], str, bool], ...]:
        """Each form that may name the entry in running text, as ``(match keys, form, own capitals)``;
        ``own capitals``: an all-capital alias of up to five letters, which matches only as written."""
        return tuple((form_keys(form), form, form is not self.term and is_capital_alias(form)) for form in self.forms)

    def expansion_text(self) -> str:
        """The words a record earns by naming this term: the term, its aliases and its plain words."""
        return " ".join(p for p in (*self.forms, *self.exact_aliases, self.plain, self.explain, self.risk) if p)


@dataclass(frozen=True)
class Match:
    entry: Entry
    start: int
    end: int
    text: str


@cache
def _key_token(token: str) -> str:
    t = token.lower().replace("’", "'")
    if t.endswith("'s"):
        t = t[:-2]
    if len(t) > 3 and t.endswith("s") and not t.endswith("ss"):
        t = t[:-1]
    for old, new in _SPELLING:
        t = t.replace(old, new)
    return t


def _keys(text: str) -> tuple[str, ...]:
    """The match keys of the words of ``text`` (lower case, singular, one spelling)."""
    return tuple(map(_key_token, _TOKEN.findall(text)))


def key_set(text: str) -> frozenset[str]:
    """Every match key in ``text``: a fast first test of whether a term can occur in it."""
    return frozenset(map(_key_token, _TOKEN.findall(text)))


_TOKEN_RUN = re.compile(r"[^\W_]+")


@lru_cache(maxsize=16384)
def _key_pattern(key: str) -> re.Pattern[str]:
    """``key`` as a whole word, or with one more "s": the literal comes first, so a search skips
    ahead fast, and a look-behind then checks that no letter or digit comes before it."""
    word = re.escape(key)
    return re.compile(rf"{word}(?<![^\W_]{word})(s?)(?![^\W_])")


def key_in_spelled(spelled: str, key: str) -> bool | None:
    """Whether a word of a text has the match key ``key``, read from the text in lower case and
    one spelling (``grounding.spelling_key``) without splitting it all into words: each word
    spelled ``key`` or ``key + "s"`` is looked at. None when only :func:`key_set` can tell (an "s"
    after an apostrophe; a short word ending in "s" that the spelling rules may have shortened)."""
    if not key:
        return None
    if _TOKEN_RUN.fullmatch(key) is None:
        return False  # a match key is one word: letters and digits
    if key not in spelled:
        return False  # nowhere in the text at all: the usual answer, found by the fast substring search
    for found in _key_pattern(key).finditer(spelled):
        word = found.group()
        if word == "s" and found.start() > 0 and spelled[found.start() - 1] in "'’":
            return None  # maybe the "'s" of the word before
        # _key_token drops a final single "s" when the word had more than three letters before
        # the spelling rules (which leave an "e" or "or" where they took a letter)
        if not word.endswith("s") or word.endswith("ss"):
            drops = False
        elif len(word) > 3:
            drops = True
        elif "e" in word or "or" in word:
            return None
        else:
            drops = False
        if (word[:-1] if drops else word) == key:
            return True
    return False


@cache
def form_keys(form: str) -> tuple[str, ...]:
    return _keys(form)


def _glued(text: str, start: int, end: int) -> bool:
    """True when ``text[start:end]`` is only part of a hyphenated word ("WOCBP" in "Non-WOCBP")."""
    before = start >= 2 and text[start - 1] in "-'’/" and text[start - 2].isalnum()
    after = end + 1 < len(text) and text[end] in "-/" and text[end + 1].isalnum()
    return before or after


def _shouting(text: str) -> bool:
    """True for text written mostly in capitals (where "ALL" or "AS" are not acronyms)."""
    letters = list(filter(str.isalpha, text))
    return len(letters) > 12 and sum(map(str.isupper, letters)) > 0.6 * len(letters)


@cache
def is_capital_alias(form: str) -> bool:
    letters = [c for c in form if c.isalpha()]
    return 0 < len(letters) <= 5 and form == form.upper() and " " not in form


@dataclass
class Glossary:
    """Entries indexed for longest-match lookup in any text."""

    entries: list[Entry] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._index: dict[tuple[str, ...], tuple[Entry, bool]] = {}
        self._exact: dict[str, Entry] = {}
        self._by_word: dict[str, list[Entry]] = {}
        self._lengths: dict[str, list[int]] = {}
        for entry in self.entries:
            for form in entry.forms:
                key = _keys(form)
                if not key:
                    continue
                self._index[key] = (entry, is_capital_alias(form) and form != entry.term)
                lengths = self._lengths.setdefault(key[0], [])
                if len(key) not in lengths:
                    lengths.append(len(key))
                    lengths.sort(reverse=True)
            for form in entry.exact_aliases:
                self._exact[form.strip()] = entry
            words = set()
            for word in WORD.findall(entry.expansion_text().lower()):
                words.add(word)
                words.update(p for p in re.split(r"[-'’]", word) if p)
            for word in words:
                self._by_word.setdefault(word, []).append(entry)

    def __len__(self) -> int:
        return len(self.entries)

    def find(self, text: str, kinds: Iterable[str] | None = None) -> list[Match]:
        """Terms in ``text``, longest first, left to right, not overlapping."""
        if kinds is not None:
            wanted = frozenset(kinds)
            return self.only(wanted)._find(text, wanted)
        return self._find(text, None)

    def _find(self, text: str, kinds: frozenset[str] | None) -> list[Match]:
        keys = list(map(_key_token, _TOKEN.findall(text)))
        lengths = self._lengths
        if lengths.keys().isdisjoint(keys):
            return []  # no term starts with any word of the text: the common case
        index, wanted = self._index, kinds
        spans: list[tuple[int, int]] = []  # of the words up to the last one a term was tried on
        words: Iterator[re.Match[str]] | None = None
        shouting: bool | None = None
        found: list[Match] = []
        count, after = len(keys), 0
        for i in [i for i, key in enumerate(keys) if key in lengths]:
            if i < after:
                continue  # inside the last term found
            for n in lengths[keys[i]]:
                if i + n > count:
                    continue
                item = index.get(tuple(keys[i:i + n]))
                if item is None:
                    continue
                entry, capitals_only = item
                if words is None:
                    words = _TOKEN.finditer(text)  # the same words as ``keys``, with their places
                while len(spans) < i + n:
                    spans.append(next(words).span())
                start, end = spans[i][0], spans[i + n - 1][1]
                raw = text[start:end]
                if capitals_only:
                    if shouting is None:
                        shouting = _shouting(text)
                    if raw != raw.upper() or shouting:
                        continue
                if wanted is not None and wanted.isdisjoint(entry.kinds):
                    continue
                if _glued(text, start, end):
                    continue
                found.append(Match(entry, start, end, raw))
                after = i + n
                break
        return found

    def lookup(self, text: str) -> Entry | None:
        """The entry whose term or alias is exactly ``text`` (ignoring case, hyphens, plurals)."""
        exact = self._exact.get(text.strip())
        if exact is not None:
            return exact
        matches = self.find(text)
        if len(matches) == 1 and matches[0].start == 0 and matches[0].end >= len(text.rstrip(" .")):
            return matches[0].entry
        return None

    def replace(self, text: str, kinds: Iterable[str] | None = None) -> str:
        """``text`` with each glossary term replaced by its plain words."""
        out, last = [], 0
        for m in self.find(text, kinds):
            out.append(text[last:m.start])
            out.append(m.entry.plain)
            last = m.end
        out.append(text[last:])
        return "".join(out)

    def entries_explaining(self, word: str) -> list[Entry]:
        """Entries whose plain words, explanation or risk use ``word`` (for the grounding check)."""
        return self._by_word.get(word.lower(), [])

    def only(self, kinds: Iterable[str]) -> "Glossary":
        """The entries of some kinds, as a glossary of their own (smaller, so faster to search)."""
        key = frozenset(kinds)
        cache: dict[frozenset[str], Glossary] = self.__dict__.setdefault("_only_cache", {})
        if key not in cache:
            cache[key] = Glossary([e for e in self.entries if not key.isdisjoint(e.kinds)])
        return cache[key]

    def merged(self, extra: Sequence[Entry]) -> "Glossary":
        """A glossary where ``extra`` entries win over ours for the same term."""
        overridden = {e.term.lower() for e in extra}
        return Glossary([e for e in self.entries if e.term.lower() not in overridden] + list(extra))


def _entry(raw: object, source: str, position: int) -> Entry:
    where = f"{source}: entry {position + 1}"
    if not isinstance(raw, dict):
        raise RulesError(f"{where} must be an object with term, kind and plain")
    unknown = set(raw) - {"term", "kind", "plain", "explain", "risk", "aliases", "exact_aliases"}
    if unknown:
        raise RulesError(f"{where} ({raw.get('term')!r}) has unknown keys {sorted(unknown)}")
    term, kind, plain = raw.get("term"), raw.get("kind"), raw.get("plain")
    if not isinstance(term, str) or not term.strip():
        raise RulesError(f"{where} needs a non-empty 'term'")
    kinds = tuple(kind) if isinstance(kind, list) else (kind,)
    if not kinds or not all(isinstance(k, str) and k in KINDS for k in kinds):
        raise RulesError(f"{where} ({term!r}): kind must be one of {sorted(KINDS)} (or a list of them), not {kind!r}")
    if not isinstance(plain, str) or not plain.strip():
        raise RulesError(f"{where} ({term!r}) needs a non-empty 'plain'")
    aliases, exact = raw.get("aliases", []), raw.get("exact_aliases", [])
    for value, key in ((aliases, "aliases"), (exact, "exact_aliases")):
        if not isinstance(value, list) or not all(isinstance(a, str) and a.strip() for a in value):
            raise RulesError(f"{where} ({term!r}): {key!r} must be a list of text")
    for key in ("explain", "risk"):
        if not isinstance(raw.get(key, ""), str):
            raise RulesError(f"{where} ({term!r}): {key!r} must be text")
    return Entry(term=term.strip(), kinds=kinds, plain=plain.strip(), explain=raw.get("explain", "").strip(),
                 risk=raw.get("risk", "").strip(), aliases=tuple(a.strip() for a in aliases),
                 exact_aliases=tuple(a.strip() for a in exact))


def read_entries(path: Path) -> list[Entry]:
    """Entries of one glossary file; :class:`RulesError` names the file and entry when it is wrong."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RulesError(f"{path}: glossary file not found") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise RulesError(f"{path}: not valid JSON ({exc}); fix the file") from None
    items = data.get("entries") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise RulesError(f"{path}: expected an object with an 'entries' list")
    return [_entry(item, str(path), i) for i, item in enumerate(items)]


@cache
def builtin_glossary(lang: str = "en") -> Glossary:
    """The glossary shipped with trialscout for ``lang``."""
    return Glossary(read_entries(RULES_DIR / f"glossary.{lang}.json"))


def load_glossary(lang: str = "en", extra: Path | None = None) -> Glossary:
    """The shipped glossary, extended by ``extra`` (a file of the same shape) when it exists."""
    base = builtin_glossary(lang)
    if extra is None or not extra.is_file():
        return base
    return base.merged(read_entries(extra))
