"""Load the rules data files under ``eligibility/rules/`` into typed lookups.

The rules are data (JSON) so that a reader can extend them without touching the
engine. This module is the only place that reads them; each file is read once
and cached (``functools.lru_cache``), so loading is explicit and side-effect free.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

from .errors import RulesError
from .phrasematch import PhraseIndex

RULES_PACKAGE = "trialscout.eligibility"


def load_rules_file(name: str) -> dict[str, Any]:
    """Read ``rules/<name>`` as JSON; raise ``RulesError`` naming the file on failure."""
    try:
        text = resources.files(RULES_PACKAGE).joinpath("rules", name).read_text(encoding="utf-8")
        data = json.loads(text)
    except FileNotFoundError as exc:
        raise RulesError(f"Rules file rules/{name} is missing: reinstall trialscout or restore the file.") from exc
    except json.JSONDecodeError as exc:
        raise RulesError(f"Rules file rules/{name} is not valid JSON (line {exc.lineno}): fix the file.") from exc
    if not isinstance(data, dict):
        raise RulesError(f"Rules file rules/{name} must hold a JSON object at the top level.")
    return data


def fold(text: str) -> str:
    """Lower-case and squeeze spaces: the key used for case-insensitive lookups."""
    return re.sub(r"\s+", " ", text.strip().lower())


def plural_forms(name: str) -> list[str]:
    """Return ``name`` plus a simple plural (or singular) of its last word."""
    forms = [name]
    if name.endswith("y") and not name.endswith(("ey", "ay", "oy")):
        forms.append(name[:-1] + "ies")
    elif name.endswith(("s", "x", "sh", "ch")):
        pass
    elif name[-1:].isalpha():
        forms.append(name + "s")
    return forms


@dataclass(frozen=True)
class Concept:
    """One entry of a vocabulary (condition, medication or procedure)."""

    id: str
    label: str
    names: tuple[str, ...]
    abbrev: tuple[str, ...] = ()
    parents: tuple[str, ...] = ()
    chronic: bool = False
    codes: tuple[str, ...] = ()
    not_after: tuple[str, ...] = ()
    from_age: float | None = None


@dataclass
class Vocabulary:
    """A set of concepts with a parent hierarchy and name lookups."""

    kind: str
    concepts: dict[str, Concept]
    by_name: dict[str, str] = field(default_factory=dict)
    by_abbrev: dict[str, str] = field(default_factory=dict)
    _ancestors: dict[str, frozenset[str]] = field(default_factory=dict)

    def ancestors(self, concept_id: str) -> frozenset[str]:
        """All broader concepts of ``concept_id`` (itself included)."""
        cached = self._ancestors.get(concept_id)
        if cached is not None:
            return cached
        seen: set[str] = set()
        stack = [concept_id]
        while stack:
            cid = stack.pop()
            if cid in seen:
                continue
            seen.add(cid)
            concept = self.concepts.get(cid)
            if concept:
                stack.extend(concept.parents)
        result = frozenset(seen)
        self._ancestors[concept_id] = result
        return result

    def label(self, concept_id: str | None) -> str | None:
        """Plain label of a concept id, or ``None``."""
        concept = self.concepts.get(concept_id or "")
        return concept.label if concept else None

    def lookup(self, text: str) -> str | None:
        """Concept id whose name or abbreviation equals ``text`` (case-insensitive names)."""
        key = fold(text)
        return self.by_name.get(key) or self.by_abbrev.get(text.strip())

    def find(self, text: str) -> list[tuple[int, int, str]]:
        """Non-overlapping (start, end, concept id) mentions of the vocabulary in ``text``."""
        return [(m.start(), m.end(), m.value) for m in _vocab_index(self.kind).finditer(text)]

    def by_code(self, code: str) -> str | None:
        """Concept id for a coded value (ICD-10 prefix, SNOMED, ATC prefix): longest prefix wins."""
        code = code.strip().upper()
        best: tuple[int, str] | None = None
        for cid, concept in self.concepts.items():
            for prefix in concept.codes:
                p = prefix.upper()
                if code == p or (not p.isdigit() and code.startswith(p)):
                    narrower = best is not None and len(p) == best[0] and best[1] in self.ancestors(cid)
                    if best is None or len(p) > best[0] or narrower:
                        best = (len(p), cid)
        return best[1] if best else None


def _build_vocabulary(kind: str, file: str, key: str) -> Vocabulary:
    data = load_rules_file(file)
    entries = data.get(key)
    if not isinstance(entries, list):
        raise RulesError(f"rules/{file} needs a list under '{key}'.")
    concepts: dict[str, Concept] = {}
    vocab = Vocabulary(kind=kind, concepts=concepts)
    for entry in entries:
        try:
            cid = entry["id"]
            codes = tuple(entry.get("icd10", [])) + tuple(entry.get("snomed", [])) + tuple(entry.get("atc", []))
            concept = Concept(
                id=cid, label=entry.get("label", cid), names=tuple(entry["names"]),
                abbrev=tuple(entry.get("abbrev", [])), parents=tuple(entry.get("parents", [])),
                chronic=bool(entry.get("chronic", False)), codes=codes,
                not_after=tuple(w.lower() for w in entry.get("not_after", [])),
                from_age=float(entry["from_age"]) if entry.get("from_age") is not None else None,
            )
        except (KeyError, TypeError) as exc:
            raise RulesError(f"rules/{file}: entry {entry!r} needs 'id' and 'names'.") from exc
        concepts[cid] = concept
        for name in concept.names:
            for form in plural_forms(fold(name)):
                vocab.by_name.setdefault(form, cid)
        for abbrev in concept.abbrev:
            vocab.by_abbrev.setdefault(abbrev, cid)
            vocab.by_abbrev.setdefault(abbrev + "s", cid)
    for concept in concepts.values():
        for parent in concept.parents:
            if parent not in concepts:
                raise RulesError(f"rules/{file}: '{concept.id}' names unknown parent '{parent}'.")
    return vocab


@lru_cache(maxsize=None)
def vocabulary(kind: str) -> Vocabulary:
    """The ``condition``, ``medication`` or ``procedure`` vocabulary."""
    files = {"condition": ("conditions.json", "conditions"), "medication": ("medications.json", "medications"),
             "procedure": ("procedures.json", "procedures")}
    if kind not in files:
        raise RulesError(f"Unknown vocabulary '{kind}': use one of {sorted(files)}.")
    return _build_vocabulary(kind, *files[kind])


@lru_cache(maxsize=None)
def _vocab_index(kind: str) -> PhraseIndex:
    vocab = vocabulary(kind)
    return PhraseIndex(vocab.by_name, vocab.by_abbrev)


@lru_cache(maxsize=None)
def cues() -> dict[str, list[str]]:
    """Phrase cue lists from ``rules/cues.json`` keyed by cue name."""
    data = load_rules_file("cues.json")
    return {k: v for k, v in data.items() if isinstance(v, list)}


@lru_cache(maxsize=None)
def cue_matcher(name: str) -> PhraseIndex:
    """Case-insensitive whole-word matcher for one cue list of ``rules/cues.json`` (longest phrase first)."""
    phrases = cues().get(name)
    if phrases is None:
        raise RulesError(f"rules/cues.json has no cue list '{name}'.")
    return PhraseIndex(phrases)


@lru_cache(maxsize=None)
def cue_first_words(names: tuple[str, ...]) -> frozenset[str]:
    """Every word a phrase of these cue lists starts with (lower case): a text with none of them
    (``phrasematch.word_set``) matches none of the lists, so one test can stand for several look-ups."""
    return frozenset().union(*(cue_matcher(name).first_words for name in names))


@lru_cache(maxsize=None)
def filler_words() -> frozenset[str]:
    """Words that carry no constraint of their own (used to judge parse coverage)."""
    return frozenset(w.lower() for w in cues().get("filler_words", []))
