"""The grounding check: every fact in a generated sentence must trace to the record.

Facts are what a reader would act on: numbers (in digits or words), number+unit pairs
(doses, thresholds, durations), code-like names (``CG-BM1``, ``HbA1c``), acronyms,
capitalised names, and claim words: conditions, substances, body parts and procedures
(``rules/grounding.LANG.json`` lists them, with suffixes such as ``-mab`` and ``-itis``).
A fact is grounded when the record states it, or when it comes from the glossary entry of a
term the record uses ("bilirubin" → "a marker of how well the liver clears waste"), or from
the label text of a code the record carries ("PLACEBO_COMPARATOR" → "placebo").

The check is independent of how a sentence was written: the template writer and the LLM
writer are held to the same rule. Label and disclaimer lines are fixed explanations of
codes, not statements about the trial, and are not checked.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from ..trial import Trial
from .errors import RulesError
from .glossary import Entry, Glossary
from .labels import label
from .text import NUMBER, WORD, normalize, number_key, value_key, word_forms

RULES_DIR = Path(__file__).with_name("rules")
_UNIT_SYNONYMS = {
    "hrs": "hour", "hr": "hour", "h": "hour", "hours": "hour", "yrs": "year", "yr": "year", "years": "year",
    "wks": "week", "weeks": "week", "mos": "month", "months": "month", "min": "minute", "minutes": "minute",
    "sec": "second", "seconds": "second", "days": "day", "percent": "%", "per cent": "%", "lbs": "lb",
    "mcg": "μg", "ug": "μg", "umol/l": "μmol/l", "doses": "dose", "cycles": "cycle", "sessions": "session",
    "visits": "visit", "tablets": "tablet", "capsules": "capsule", "puffs": "puff", "injections": "injection",
    "infusions": "infusion", "units": "unit", "u": "unit", "times": "time",
}


@dataclass(frozen=True)
class Lexicon:
    """One language's idea of what counts as a fact (``rules/grounding.LANG.json``)."""

    number_words: dict[str, str]
    units: tuple[str, ...]
    claim_words: frozenset[str]
    claim_suffixes: tuple[str, ...]
    suffix_min_length: int
    not_claims: frozenset[str]
    common_words: frozenset[str]
    quantity: re.Pattern[str] = field(repr=False, compare=False, default=re.compile(""))

    def is_claim_word(self, lower: str) -> bool:
        if lower in self.not_claims:
            return False
        if lower in self.claim_words:
            return True
        return len(lower) >= self.suffix_min_length and lower.endswith(self.claim_suffixes)


def unit_key(unit: str) -> str:
    u = unit.lower().replace("µ", "μ").replace("²", "2").replace("^", "").replace(" ", "")
    return _UNIT_SYNONYMS.get(u, u)


@cache
def load_lexicon(lang: str = "en") -> Lexicon:
    path = RULES_DIR / f"grounding.{lang}.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RulesError(f"{path}: no grounding rules for language {lang!r}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise RulesError(f"{path}: not valid JSON ({exc}); fix the file") from None
    try:
        units = tuple(sorted({u.lower() for u in data["units"]}, key=len, reverse=True))
        pattern = "|".join(re.escape(u).replace(r"\ ", r"\s?") for u in units)
        quantity = re.compile(rf"({NUMBER.pattern})\s*({pattern})(?![\w/])", re.IGNORECASE)
        return Lexicon(
            number_words={k.lower(): value_key(v) for k, v in data["number_words"].items()},
            units=units,
            claim_words=frozenset(w.lower() for w in data["claim_words"]),
            claim_suffixes=tuple(s.lower() for s in data["claim_suffixes"]),
            suffix_min_length=int(data.get("claim_suffix_min_length", 6)),
            not_claims=frozenset(w.lower() for w in data.get("not_claims", [])),
            common_words=frozenset(w.lower() for w in data.get("common_words", [])),
            quantity=quantity,
        )
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        raise RulesError(f"{path}: missing or malformed key ({exc}); see the file's 'about'") from None


@dataclass(frozen=True)
class Problem:
    """One fact in a sentence that the record does not support."""

    kind: str
    text: str

    def __str__(self) -> str:
        return f"{self.kind} {self.text!r} is not in the record"


@cache
def _form_pattern(form: str) -> re.Pattern[str]:
    parts = [re.escape(p) for p in re.split(r"[\s\-]+", form.lower()) if p]
    return re.compile(r"(?<!\w)" + r"[\s\-]+".join(parts) + r"(?:s|es|'s)?(?!\w)")


def _record_texts(trial: Trial) -> list[str]:
    t = trial
    texts: list[str | None] = [
        t.nct_id, t.org_study_id, *t.secondary_ids, t.brief_title, t.official_title, t.acronym,
        t.overall_status, t.why_stopped, *t.phases, t.study_type, t.sponsor, *t.collaborators,
        t.brief_summary, t.detailed_description, *t.conditions, *t.keywords,
        *(m.term for m in t.condition_meshes), *(m.term for m in t.condition_ancestors),
        *(m.term for m in t.intervention_meshes), *(m.term for m in t.intervention_ancestors),
        t.design.primary_purpose, t.design.allocation, t.design.intervention_model,
        t.design.intervention_model_description, t.design.masking, *t.design.who_masked,
        t.design.masking_description, t.design.observational_model, t.design.time_perspective,
        t.eligibility.criteria, t.eligibility.sex, t.eligibility.study_population,
    ]
    for i in t.interventions:
        texts += [i.type, i.name, i.description, *i.other_names]
    for a in t.arms:
        texts += [a.label, a.type, a.description, *a.interventions]
    for o in t.outcomes:
        texts += [o.measure, o.description, o.time_frame]
    places = {p for s in t.locations for p in (s.facility, s.city, s.state, s.country) if p}
    texts += sorted(places)
    return [x.replace("_", " ") for x in texts if x]


def _code_label_texts(trial: Trial) -> list[str]:
    """Words the page itself uses for the record's codes (labels.json)."""
    t = trial
    pairs = [("status", t.overall_status), ("study_type", t.study_type), ("sex", t.eligibility.sex),
             ("primary_purpose", t.design.primary_purpose), ("allocation", t.design.allocation),
             ("intervention_model", t.design.intervention_model), ("masking", t.design.masking)]
    pairs += [("phase", p) for p in t.phases]
    pairs += [("intervention_type", i.type) for i in t.interventions if i.type]
    pairs += [("arm_type", a.type) for a in t.arms if a.type]
    out = []
    for kind, code in pairs:
        found = label(kind, code)
        if found:
            out += [found.label, found.explain]
    return out


class Evidence:
    """What one record states: its numbers, quantities and words, for checking sentences."""

    def __init__(self, trial: Trial, glossary: Glossary, lexicon: Lexicon, known_words: frozenset[str]) -> None:
        self.glossary = glossary
        self.lexicon = lexicon
        self.known_words = known_words
        corpus = normalize("\n".join(_record_texts(trial) + _code_label_texts(trial))).lower()
        self.text = corpus
        self.words: set[str] = set()
        for w in WORD.findall(corpus):
            self.words.add(w)
            if "-" in w or "'" in w:
                self.words.update(p for p in re.split(r"[-']", w) if p)
        self.quantities: set[tuple[str, str]] = set()
        for m in lexicon.quantity.finditer(corpus):
            key = number_key(m.group(1))
            if key is not None:
                self.quantities.add((key, unit_key(m.group(2))))
        self.numbers = {k for k in (number_key(n) for n in NUMBER.findall(corpus)) if k is not None}
        self.numbers.update(v for w, v in lexicon.number_words.items() if w in self.words)
        self._structured(trial)
        self._expanded: dict[str, bool] = {}

    def _structured(self, t: Trial) -> None:
        counts = [len(t.arms), len(t.interventions), len(t.locations), len(t.conditions),
                  len({s.country for s in t.locations if s.country})]
        if t.enrollment and t.enrollment.count is not None:
            counts.append(t.enrollment.count)
        for age in (t.eligibility.minimum_age, t.eligibility.maximum_age):
            if age is not None:
                self.numbers.add(value_key(age.value))
                self.quantities.add((value_key(age.value), unit_key(age.unit)))
        for phase in t.phases:
            digits = re.findall(r"\d", phase)
            self.numbers.update(digits)
        self.numbers.update(value_key(c) for c in counts)

    # --- single facts ---------------------------------------------------------------

    def has_word(self, word: str) -> bool:
        forms = word_forms(word)
        return any(f in self.words for f in forms) or any(self._expansion_has(f) for f in forms)

    def _expansion_has(self, word: str) -> bool:
        if word not in self._expanded:
            self._expanded[word] = any(self.uses(entry) for entry in self.glossary.entries_explaining(word))
        return self._expanded[word]

    def uses(self, entry: Entry) -> bool:
        """True when the record names the glossary ``entry`` (its term or an alias)."""
        for form in entry.forms:
            first = WORD.findall(form.lower())[:1]
            if first and not any(f in self.words for f in word_forms(first[0].split("-")[0])):
                continue
            if _form_pattern(form).search(self.text):
                return True
        return False

    # --- sentences ------------------------------------------------------------------

    def problems(self, sentence: str) -> list[Problem]:
        """Every fact in ``sentence`` that the record does not support (empty: grounded)."""
        text = normalize(sentence)
        found: list[Problem] = []
        spans: list[tuple[int, int]] = []
        for m in self.lexicon.quantity.finditer(text):
            key = number_key(m.group(1))
            unit = unit_key(m.group(2))
            spans.append(m.span())
            if key is None or (key, unit) not in self.quantities:
                found.append(Problem("amount", m.group(0)))
        for m in NUMBER.finditer(text):
            if any(a <= m.start() < b for a, b in spans):
                continue
            key = number_key(m.group())
            if key is None or key not in self.numbers:
                found.append(Problem("number", m.group()))
        for position, m in enumerate(WORD.finditer(text)):
            found += self._word_problems(m.group(), sentence_start=(position == 0 or _after_break(text, m.start())))
        return found

    def _word_problems(self, token: str, sentence_start: bool) -> list[Problem]:
        lower = token.lower()
        if lower in self.lexicon.number_words:
            return [] if self.lexicon.number_words[lower] in self.numbers else [Problem("number", token)]
        has_digit = any(c.isdigit() for c in token)
        letters = [c for c in token if c.isalpha()]
        if has_digit and letters:
            return [] if self.has_word(lower) or _digits_and_parts_ok(self, token) else [Problem("name", token)]
        if has_digit:
            return []  # a bare number: checked above
        if len(letters) >= 2 and token == token.upper() and any(c.isupper() for c in letters):
            return [] if self.has_word(lower) else [Problem("name", token)]
        if self.has_word(lower):
            return []
        parts = [p for p in re.split(r"[-']", lower) if p]
        if len(parts) > 1:
            problems = []
            for part in parts:
                if self.lexicon.is_claim_word(part) and not self.has_word(part):
                    problems.append(Problem("term", part))
            if problems or not token[:1].isupper():
                return problems
        if self.lexicon.is_claim_word(lower):
            return [Problem("term", token)]
        if token[:1].isupper() and not (lower in self.known_words or (sentence_start and lower in self.lexicon.common_words)):
            return [Problem("name", token)]
        return []

    def grounded(self, sentence: str) -> bool:
        return not self.problems(sentence)


def _after_break(text: str, start: int) -> bool:
    """True when the word at ``start`` opens a sentence, a list item or a quoted clause."""
    before = text[:start].rstrip(" \"'(“‘")
    return not before or before[-1] in ".!?:;。！？"


def _digits_and_parts_ok(evidence: Evidence, token: str) -> bool:
    """A hyphenated name whose parts are each in the record ("type-2" from "type 2")."""
    parts = [p for p in re.split(r"[-/]", token.lower()) if p]
    return len(parts) > 1 and all(p in evidence.words or p in evidence.numbers for p in parts)


def known_vocabulary(texts: Iterable[str]) -> frozenset[str]:
    """Lower-cased words of trusted wording (templates, labels, glossary plain words)."""
    return frozenset(w.lower() for text in texts for w in WORD.findall(text))
