"""Checks for conditions, medicines and procedures: concept hierarchy, negation, history,
family, time windows, and plain-word terms looked up in a note's sentences."""

from __future__ import annotations

import re
from datetime import date, timedelta
from functools import lru_cache
from typing import Union

from .checks import CHECKERS, Outcome, _unknown
from .constraints import ConditionConstraint, MedicationConstraint, ProcedureConstraint, TimeWindow
from .nlp import context_for_spans
from .prepared import PreparedProfile
from .profile.models import ConditionFact, Evidence, MedicationFact, ProcedureFact
from .questions import question_ids
from .ruleset import fold, vocabulary

Fact = Union[ConditionFact, MedicationFact, ProcedureFact]


def _fact_concept(kind: str, fact: Fact) -> str | None:
    return fact.concept or vocabulary(kind).lookup(fact.name)


@lru_cache(maxsize=65536)
def _term_match(term: str, name: str) -> bool:
    """True when the folded term and name are equal or one is a whole-word part of the other."""
    a, b = fold(term), fold(name)
    return a == b or _whole_word_in(a, b) or _whole_word_in(b, a)


def _is_word_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_"  # what ``\w`` matches in a str pattern


def _whole_word_in(part: str, text: str) -> bool:
    """Whether ``part`` occurs in ``text`` with no word character on either side, as the pattern
    ``(?<!\\w)part(?!\\w)`` finds it, without compiling a pattern per pair."""
    if not part:
        return bool(re.search(r"(?<!\w)(?!\w)", text))
    start = text.find(part)
    while start >= 0:
        end = start + len(part)
        if (start == 0 or not _is_word_char(text[start - 1])) and (end == len(text) or not _is_word_char(text[end])):
            return True
        start = text.find(part, start + 1)
    return False


def _hits(c: ConditionConstraint | MedicationConstraint | ProcedureConstraint, person: PreparedProfile):  # type: ignore[no-untyped-def]
    """The person's facts that say they have (``present``) or do not have (``absent``) what ``c`` names."""
    present: list[Fact] = []
    absent: list[Fact] = []
    kind = c.type
    family = kind == "condition" and c.context == "family"
    wanted = c.concept
    if wanted:  # the same facts, in the same order, as the loop below finds them, from the person's index
        index = person.fact_index(kind, family)
        if index is None:
            return present, absent
        found = index.present.get(wanted)
        matches = list(found) if found else []
        if index.absent:
            broader = vocabulary(kind).ancestors(wanted)
            matches.extend((position, fact) for position, fact, concept in index.absent if concept in broader)
        if index.unnamed:
            term = c.term
            matches.extend((position, fact) for position, fact in index.unnamed if _term_match(term, fact.name))
        if len(matches) > 1:
            matches.sort(key=_position)
        for _, fact in matches:
            (present if fact.present else absent).append(fact)
        return present, absent
    entries = person.entries(kind, family)
    if not entries:
        return present, absent
    for fact, concept, ancestors in entries:
        if wanted and concept:
            if fact.present and wanted in ancestors:
                present.append(fact)
            elif not fact.present and concept in vocabulary(kind).ancestors(wanted):
                absent.append(fact)
        elif _term_match(c.term, fact.name):
            (present if fact.present else absent).append(fact)
    return present, absent


def _position(match: tuple[int, Fact]) -> int:
    return match[0]


@lru_cache(maxsize=8192)
def _term_pattern(term: str) -> re.Pattern[str]:
    """A term as a whole-word pattern, compiled once per term."""
    return re.compile(rf"(?<!\w){re.escape(fold(term))}(?!\w)", re.I)


def _note_search(c: ConditionConstraint | MedicationConstraint | ProcedureConstraint, person: PreparedProfile) -> tuple[bool | None, list[Evidence]]:
    """Look for a plain-word term in the note's sentences (ConText decides negation)."""
    pattern = _term_pattern(c.term)
    for sentence in person.sentences:
        m = pattern.search(sentence)
        if m:
            found = context_for_spans(sentence, [(m.start(), m.end(), c.type, None)])
            if found and not (found[0].hypothetical or found[0].uncertain):
                if (c.type == "condition" and c.context == "family") != found[0].family:
                    continue
                return (not found[0].negated), [Evidence(source="note", text=m.group(0), sentence=sentence)]
    return None, []


def _date_of(fact: Fact) -> date | None:
    if isinstance(fact, ConditionFact):
        return fact.onset
    if isinstance(fact, MedicationFact):
        return fact.end or fact.start
    return fact.date


def _ended(fact: Fact) -> bool:
    """True when the fact's date is also when it ended (a medicine with an end date)."""
    return isinstance(fact, MedicationFact) and fact.end is not None


def _in_window(window: TimeWindow, fact: Fact, today: date) -> bool | None:
    when = _date_of(fact)
    cutoff = today - timedelta(days=window.days)
    if window.kind == "within":
        if isinstance(fact, MedicationFact) and fact.active:
            return True  # taking it now
        if isinstance(fact, ConditionFact) and fact.status == "active":
            return True  # still has it, so had it within the window
        if when is None:
            return None
        return True if when >= cutoff else (False if isinstance(fact, ProcedureFact) or _ended(fact) else None)
    if when is None:
        return None
    if window.kind in {"duration_at_least", "before"}:
        return when <= cutoff
    return when >= cutoff


def _now(c: ConditionConstraint | MedicationConstraint | ProcedureConstraint, fact: Fact) -> bool | None:
    if isinstance(fact, ConditionFact):
        if fact.status == "active":
            return True
        if fact.status == "resolved":
            return False
        concept = _fact_concept("condition", fact)
        return True if concept and vocabulary("condition").concepts[concept].chronic else None
    if isinstance(fact, MedicationFact):
        return fact.active
    return True


@lru_cache(maxsize=8192)
def _term_as_written(term: str) -> re.Pattern[str]:
    """A term as a whole-word, case-insensitive pattern (not folded), compiled once per term."""
    return re.compile(rf"(?<!\w){re.escape(term)}(?!\w)", re.I)


_PREPOSITION = re.compile(r"(?i)^(?:in|at|on|with|during|within)\s+(?=\S)")


def _narrower(c: ConditionConstraint | MedicationConstraint | ProcedureConstraint) -> str:
    """What the criterion adds to the term: ": it asks about the early and intermediate stages", or ""."""
    m = _term_as_written(c.term).search(c.text)
    if m is None:
        return ""
    before, after = c.text[:m.start()].strip(), c.text[m.end():].strip()
    if not before and _PREPOSITION.match(after):  # "in the early and intermediate stages": the qualifier alone
        return f": it asks about {_PREPOSITION.sub('', after)}, which we cannot tell from your information"
    if before or after:  # "severe active bleeding", "allergy to blood products or drugs"
        return f": it asks about {c.text.strip()}, which we cannot tell from your information"
    return ""


def check_entity(c: ConditionConstraint | MedicationConstraint | ProcedureConstraint,
                 person: PreparedProfile, index: int | None = None) -> Outcome:
    """Check a condition, medicine or procedure constraint against the profile prepared for the trial.

    The outcome depends on the constraint's fields and the person only: one with the same fields as one checked
    before for this prepared profile gets that outcome (shared; outcomes are never changed after a check).
    """
    w = c.window
    key = (c.type, c.term, c.concept, c.present, c.context, c.exact, c.text,
           None if w is None else (w.kind, w.amount, w.unit, w.anchor, w.text))
    found = person.outcomes.get(key)
    if found is None:
        found = person.outcomes[key] = _check_entity(c, person)
    return found  # type: ignore[no-any-return]


def _check_entity(c: ConditionConstraint | MedicationConstraint | ProcedureConstraint,
                  person: PreparedProfile) -> Outcome:
    today = person.today
    vocab = vocabulary(c.type)
    concept = vocab.concepts.get(c.concept or "")
    label = (concept.label if concept else None) or c.term
    if c.context == "hypothetical":
        return _unknown(f"This is about a plan or need ({c.text or label}); the study team will ask you.", c)
    present, absent = _hits(c, person)
    ev = [f.evidence for f in present + absent if f.evidence] if present or absent else []
    has: bool | None
    if present and absent:
        return Outcome(None, f"Your information about {label} is contradictory.", ev, question_ids(c))
    if present:
        ever = c.context in {"historical", "family"} or isinstance(c, ProcedureConstraint)
        if c.window is not None:
            states = [_in_window(c.window, f, today) for f in present]
            if c.window.kind.startswith("duration") and any(st is not None for st in states):
                states = [st for st in states if st is not None]  # "fever for 2 days" dates the fever the note names
        else:
            states = [True if ever else _now(c, f) for f in present]
        has = True if any(s is True for s in states) else (False if all(s is False for s in states) else None)
    elif absent:
        has = False
    else:
        has, ev = _note_search(c, person) if c.concept is None and person.sentences else (None, [])
    age = person.age
    if has is None and not (present or absent) and concept and concept.from_age and age is not None \
            and age < concept.from_age and c.context != "family":
        return Outcome("na", f"This is about {label}, which does not concern a child of {int(age)}.")
    if has is None and person.complete and not (present or absent):  # a complete record that does not mention it
        return Outcome(not c.present, f"Your record does not mention {label}.", [])
    if has is None:
        what = f"{label} ({c.window.text})" if c.window else label
        return Outcome(None, f"Not known whether you have {what}." if c.type == "condition"
                       else f"Not known whether this applies to you: {what}.", ev, question_ids(c))
    if has and not c.exact:
        # No question: the person already said they have it, and the detail is the study team's to check.
        return Outcome(None, f"You have {label}, but the criterion is more specific{_narrower(c)}; "
                             "the study team will check.", ev, [], partly=True)
    holds = has if c.present else not has
    verb = {"condition": "have" if c.context != "family" else "have a family history of",
            "medication": "take or took", "procedure": "had"}[c.type]
    return Outcome(holds, f"You {'' if has else 'do not '}{verb} {label}"
                          f"{' (' + c.window.text + ')' if c.window and has else ''}.".replace("do not take or took",
                                                                                             "do not take"), ev)


CHECKERS.update({ConditionConstraint: check_entity, MedicationConstraint: check_entity,
                ProcedureConstraint: check_entity})
