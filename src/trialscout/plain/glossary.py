"""The lay glossary: medical terms and the plain words for them, kept as data.

``rules/glossary.LANG.json`` holds entries like::

    {"term": "hepatic encephalopathy", "aliases": ["HE"], "kind": "condition",
     "plain": "confusion caused by liver disease",
     "explain": "confusion and sleepiness caused by a liver that cannot clear toxins"}

``plain`` replaces the term in a simplified sentence; ``explain`` follows the term where it
is first named ("X, EXPLAIN, ..."); ``risk`` (routes, procedures) says what can go wrong.
Kinds: condition, substance, procedure, measure, lab, route, term. Matching ignores case,
hyphens, plural ``s`` and British/American spelling; an all-capital alias of up to five
letters ("ALL", "AML") matches only in capitals. A deployment extends the glossary with its
own file of the same shape (``$TRIALSCOUT_HOME/glossary.json``); its entries win.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from .errors import RulesError
from .text import WORD

RULES_DIR = Path(__file__).with_name("rules")
KINDS = frozenset({"condition", "substance", "procedure", "measure", "lab", "route", "term"})
_TOKEN = re.compile(r"[^\W_]+(?:['’]s\b)?")
_SPELLING = (("ae", "e"), ("oe", "e"), ("our", "or"))


@dataclass(frozen=True)
class Entry:
    term: str
    kind: str
    plain: str
    explain: str = ""
    risk: str = ""
    aliases: tuple[str, ...] = ()

    @property
    def description(self) -> str:
        """The phrase that explains the term: ``explain`` if given, else ``plain``."""
        return self.explain or self.plain

    @property
    def forms(self) -> tuple[str, ...]:
        return (self.term, *self.aliases)

    def expansion_text(self) -> str:
        """The words a record earns by naming this term: the term, its aliases and its plain words."""
        return " ".join(p for p in (*self.forms, self.plain, self.explain, self.risk) if p)


@dataclass(frozen=True)
class Match:
    entry: Entry
    start: int
    end: int
    text: str


def _key_token(token: str) -> str:
    t = token.lower().replace("’", "'")
    if t.endswith("'s"):
        t = t[:-2]
    if len(t) > 3 and t.endswith("s") and not t.endswith("ss"):
        t = t[:-1]
    for old, new in _SPELLING:
        t = t.replace(old, new)
    return t


def _tokens(text: str) -> list[tuple[str, int, int, str]]:
    """(key, start, end, raw) for each alphanumeric run of ``text``."""
    return [(_key_token(m.group()), m.start(), m.end(), m.group()) for m in _TOKEN.finditer(text)]


def _is_capital_alias(form: str) -> bool:
    letters = [c for c in form if c.isalpha()]
    return 0 < len(letters) <= 5 and form == form.upper() and " " not in form


@dataclass
class Glossary:
    """Entries indexed for longest-match lookup in any text."""

    entries: list[Entry] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._index: dict[tuple[str, ...], tuple[Entry, bool]] = {}
        self._by_word: dict[str, list[Entry]] = {}
        self._max = 1
        for entry in self.entries:
            for form in entry.forms:
                key = tuple(t[0] for t in _tokens(form))
                if not key:
                    continue
                self._index[key] = (entry, _is_capital_alias(form) and form != entry.term)
                self._max = max(self._max, len(key))
            for word in WORD.findall(entry.expansion_text().lower()):
                self._by_word.setdefault(word, []).append(entry)

    def __len__(self) -> int:
        return len(self.entries)

    def find(self, text: str, kinds: Iterable[str] | None = None) -> list[Match]:
        """Terms in ``text``, longest first, left to right, not overlapping."""
        wanted = frozenset(kinds) if kinds is not None else None
        toks = _tokens(text)
        found: list[Match] = []
        i = 0
        while i < len(toks):
            hit = None
            for n in range(min(self._max, len(toks) - i), 0, -1):
                key = tuple(t[0] for t in toks[i:i + n])
                item = self._index.get(key)
                if item is None:
                    continue
                entry, capitals_only = item
                raw = text[toks[i][1]:toks[i + n - 1][2]]
                if capitals_only and raw != raw.upper():
                    continue
                if wanted is not None and entry.kind not in wanted:
                    continue
                hit = Match(entry, toks[i][1], toks[i + n - 1][2], raw)
                i += n
                break
            if hit is None:
                i += 1
            else:
                found.append(hit)
        return found

    def lookup(self, text: str) -> Entry | None:
        """The entry whose term or alias is exactly ``text`` (ignoring case, hyphens, plurals)."""
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

    def merged(self, extra: Sequence[Entry]) -> "Glossary":
        """A glossary where ``extra`` entries win over ours for the same term."""
        overridden = {e.term.lower() for e in extra}
        return Glossary([e for e in self.entries if e.term.lower() not in overridden] + list(extra))


def _entry(raw: object, source: str, position: int) -> Entry:
    where = f"{source}: entry {position + 1}"
    if not isinstance(raw, dict):
        raise RulesError(f"{where} must be an object with term, kind and plain")
    unknown = set(raw) - {"term", "kind", "plain", "explain", "risk", "aliases"}
    if unknown:
        raise RulesError(f"{where} ({raw.get('term')!r}) has unknown keys {sorted(unknown)}")
    term, kind, plain = raw.get("term"), raw.get("kind"), raw.get("plain")
    if not isinstance(term, str) or not term.strip():
        raise RulesError(f"{where} needs a non-empty 'term'")
    if kind not in KINDS:
        raise RulesError(f"{where} ({term!r}): kind must be one of {sorted(KINDS)}, not {kind!r}")
    if not isinstance(plain, str) or not plain.strip():
        raise RulesError(f"{where} ({term!r}) needs a non-empty 'plain'")
    aliases = raw.get("aliases", [])
    if not isinstance(aliases, list) or not all(isinstance(a, str) and a.strip() for a in aliases):
        raise RulesError(f"{where} ({term!r}): 'aliases' must be a list of text")
    for key in ("explain", "risk"):
        if not isinstance(raw.get(key, ""), str):
            raise RulesError(f"{where} ({term!r}): {key!r} must be text")
    return Entry(term=term.strip(), kind=kind, plain=plain.strip(), explain=raw.get("explain", "").strip(),
                 risk=raw.get("risk", "").strip(), aliases=tuple(a.strip() for a in aliases))


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
