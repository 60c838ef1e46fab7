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

import re
from dataclasses import dataclass
from functools import cache, cached_property, lru_cache

from ..trial import Trial
from .claims import NUMBER_FAST, Claim, ClaimReader, known_vocabulary
from .glossary import Entry, Glossary, key_in_spelled, key_set
from .labels import label
from .lexicon import Lexicon, load_lexicon, unit_key
from .text import normalize, normalize_chars, number_key, value_key, word_forms


@dataclass(frozen=True)
class Problem:
    """One fact in a sentence that the record does not support."""

    kind: str
    text: str

    def __str__(self) -> str:
        return f"{self.kind} {self.text!r} is not in the record"


def spelling_key(text: str) -> str:
    """Lower case, one spelling for British/American variants ("leukaemia" → "leukemia")."""
    return one_spelling(text.lower())


def one_spelling(lower: str) -> str:
    """One spelling for British/American variants of lower-case text."""
    return lower.replace("ae", "e").replace("oe", "e").replace("our", "or")


@cache
def _form_pattern(form: str, exact_case: bool = False) -> tuple[re.Pattern[str], tuple[str, ...]]:
    """A pattern for ``form`` that starts with its first word (so the search can skip ahead fast)."""
    parts = tuple(re.findall(r"[^\W_]+", form if exact_case else spelling_key(form)))
    plural = r"(?:s|es|'s)?"
    pattern = (plural + r"[^\w]{1,3}").join(re.escape(p) for p in parts) + plural + r"(?!\w)"
    return re.compile(pattern), parts


def _names_in(text: str, form: str, exact_case: bool = False) -> bool:
    pattern, parts = _form_pattern(form, exact_case)
    if not parts or not all(p[:max(2, len(p) - 2)] in text for p in parts):
        return False  # a cheap test first: every word's stem occurs somewhere
    m = pattern.search(text)
    while m is not None:
        if m.start() == 0 or not text[m.start() - 1].isalnum():
            return True
        m = pattern.search(text, m.start() + 1)
    return False


def _record_texts(trial: Trial) -> list[str]:
    """The record's texts the writers read, and its codes spelled as words (``SHAM_COMPARATOR``).

    The detailed description, outcome descriptions and site names are left out: no writer is
    given them, so nothing may be taken from them.
    """
    t = trial
    d = t.design
    codes: list[str | None] = [t.overall_status, *t.phases, t.study_type, d.primary_purpose, d.allocation,
                               d.intervention_model, d.masking, *d.who_masked, d.observational_model,
                               d.time_perspective, t.eligibility.sex, *(i.type for i in t.interventions),
                               *(a.type for a in t.arms)]
    texts: list[str | None] = [
        t.nct_id, t.org_study_id, *t.secondary_ids, t.brief_title, t.official_title, t.acronym,
        t.why_stopped, t.sponsor, *t.collaborators, t.brief_summary, *t.conditions,
        *t.keywords, *(m.term for m in t.condition_meshes), *(m.term for m in t.condition_ancestors),
        *(m.term for m in t.intervention_meshes), *(m.term for m in t.intervention_ancestors),
        d.intervention_model_description, d.masking_description, t.eligibility.criteria,
        t.eligibility.study_population,
    ]
    for i in t.interventions[:200]:
        texts += [i.name, i.description, *i.other_names]
    for a in t.arms[:200]:
        texts += [a.label, a.description, *a.interventions]
    for o in t.outcomes[:100]:
        texts += [o.measure, o.time_frame]
    texts += sorted({p for s in t.locations for p in (s.city, s.state, s.country) if p})
    return [x for x in texts if x] + [c.replace("_", " ") for c in codes if c]


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
    for kind, code in set(pairs):
        found = label(kind, code)
        if found:
            out += [found.label, found.explain]
    return out


@lru_cache(maxsize=16384)
def _word_pattern(word: str) -> re.Pattern[str]:
    """``word`` as a whole word, a plural ``s``/``es`` allowed: the literal comes first, so a
    search skips ahead fast; a look-behind then checks that no letter or digit precedes it."""
    w = re.escape(word)
    return re.compile(rf"{w}(?<![^\W_]{w})(?:s|es)?(?![^\W_])")


def _has_word(text: str, word: str) -> bool:
    """``word`` occurs in ``text`` as a whole word (a plural ``s``/``es`` may follow)."""
    return _word_pattern(word).search(text) is not None


class Evidence:
    """What one record states, for checking sentences; indexes are built only when needed."""

    def __init__(self, trial: Trial, glossary: Glossary, lexicon: Lexicon, known_words: frozenset[str],
                 reader: ClaimReader | None = None) -> None:
        self.glossary = glossary
        self.lexicon = lexicon
        self.reader = reader or ClaimReader(lexicon, known_words)
        written = normalize_chars("\n".join(_record_texts(trial) + _code_label_texts(trial)))
        self.written = written
        self.fields = {normalize(c) for c in trial.conditions}
        self.text = written.lower()
        self.numbers: set[str] = set()
        self.quantities: set[tuple[str, str]] = set()
        self._structured(trial)
        self._corpus_numbers: set[str] | None = None
        self._corpus_quantities: set[tuple[str, str]] | None = None
        self._words: dict[str, bool] = {}
        self._has: dict[str, bool] = {}
        self._expanded: dict[str, bool] = {}
        self._uses: dict[str, bool] = {}
        self._keys: frozenset[str] | None = None
        # Lower case is per character except for the Greek final sigma: without one, the words of
        # ``spelled`` are the record's words lower-cased and spelled one way, word for word, so
        # their match keys can be read there (glossary.key_in_spelled).
        self._plain_lower = "Σ" not in written
        self._key_known: dict[str, bool] = {}

    @cached_property
    def spelled(self) -> str:
        """The record's text in lower case, spelled one way (:func:`spelling_key`)."""
        return one_spelling(self.text)

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
            self.numbers.update(re.findall(r"\d", phase))
        self.numbers.update(value_key(c) for c in counts)

    # --- single facts ---------------------------------------------------------------

    def has_number(self, key: str, written: str = "") -> bool:
        if key in self.numbers:
            return True
        if self._corpus_numbers is None:
            self._corpus_numbers = {k for k in map(number_key, set(NUMBER_FAST.findall(self.text))) if k}
        if key in self._corpus_numbers or any(self._word_in_text(w) for w in self.lexicon.words_for(key)):
            return True
        return bool(written and self._expansion_has(written.lower()))

    def has_amount(self, key: str, unit: str) -> bool:
        if (key, unit) in self.quantities:
            return True
        if self._corpus_quantities is None:
            self._corpus_quantities = set()
            for written_number, written_unit in set(self.lexicon.quantity.findall(self.text)):
                number = number_key(written_number)
                if number is not None:
                    self._corpus_quantities.add((number, unit_key(written_unit)))
        return (key, unit) in self._corpus_quantities

    def has_word(self, word: str) -> bool:
        found = self._has.get(word)
        if found is None:
            forms = word_forms(word)
            found = self._has[word] = any(self._word_in_text(f) for f in forms) or any(
                self._expansion_has(f) for f in forms)
        return found

    def _word_in_text(self, word: str) -> bool:
        found = self._words.get(word)
        if found is None:
            found = self._words[word] = word in self.text and _has_word(self.text, word)
        return found

    def _expansion_has(self, word: str) -> bool:
        found = self._expanded.get(word)
        if found is None:
            entries = self.glossary.entries_explaining(word)
            uses = self._uses  # entries already known to be named first: the answer is the same
            found = False
            for entry in entries:
                if uses.get(entry.term):
                    found = True
                    break
            else:
                for entry in entries:
                    if self.uses(entry):
                        found = True
                        break
            self._expanded[word] = found
        return found

    def uses(self, entry: Entry) -> bool:
        """True when the record names the glossary ``entry`` (its term or an alias)."""
        known = self._uses.get(entry.term)
        if known is None:
            for keys, form, own_capitals in entry.name_forms:
                if self._has_keys(keys) and (_names_in(self.written, form, exact_case=True) if own_capitals
                                             else _names_in(self.spelled, form)):
                    known = True
                    break
            else:
                known = any(form in self.fields for form in entry.exact_aliases)
            self._uses[entry.term] = known
        return known

    def _has_keys(self, keys: tuple[str, ...]) -> bool:
        """Every match key in ``keys`` is the key of some word of the record (glossary.key_set)."""
        known = self._key_known
        for key in keys:
            found = known.get(key)
            if found is None:
                found = key_in_spelled(self.spelled, key) if self._plain_lower else None
                if found is None:
                    if self._keys is None:
                        self._keys = key_set(self.written)
                    found = key in self._keys
                known[key] = found
            if not found:
                return False
        return True

    # --- sentences ------------------------------------------------------------------

    def problems(self, sentence: str) -> list[Problem]:
        """Every fact in ``sentence`` that the record does not support (empty: grounded)."""
        found: list[Problem] = []
        for claim in self.reader(sentence):
            if claim.kind == "amount":
                if not self.has_amount(claim.key, claim.unit):
                    found.append(Problem("amount", claim.text))
            elif claim.kind == "number":
                if not self.has_number(claim.key, claim.text):
                    found.append(Problem("number", claim.text))
            else:
                found += self._word_problems(claim)
        return found

    def _word_problems(self, claim: Claim) -> list[Problem]:
        if self.has_word(claim.key):
            return []
        if claim.code:
            return [] if _digits_and_parts_ok(self, claim.key) else [Problem("name", claim.text)]
        problems = [Problem("term", p) for p in claim.claim_parts if not self.has_word(p)]
        if claim.whole_claim:
            problems.append(Problem("term", claim.text))
        elif claim.named and not problems and not all(self.has_word(p) for p in claim.parts):
            problems.append(Problem("name", claim.text))
        return problems

    def grounded(self, sentence: str) -> bool:
        return not self.problems(sentence)


def _digits_and_parts_ok(evidence: Evidence, token: str) -> bool:
    """A hyphenated name whose parts are each in the record ("type-2" from "type 2")."""
    parts = [p for p in re.split(r"[-/]", token.lower()) if p]
    return len(parts) > 1 and all(evidence.has_word(p) or (p.isdigit() and evidence.has_number(p)) for p in parts)


__all__ = ["Claim", "ClaimReader", "Evidence", "Lexicon", "Problem", "known_vocabulary", "load_lexicon", "spelling_key",
           "unit_key"]
