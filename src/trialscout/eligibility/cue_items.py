"""Criterion items read from phrase cues (``rules/cues.json``): pregnancy and breastfeeding,
sex limits, and the consent / compliance / practical / judgement / other-study items that
need no health data."""

from __future__ import annotations

import re
from typing import Iterable

from .constraints import ComplianceItem, ConsentItem, PregnancyConstraint, SexConstraint
from .measures import Found
from .phrasematch import word_set
from .ruleset import cue_first_words, cue_matcher


def cue_spans(name: str, text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in cue_matcher(name).finditer(text)]


def overlaps(a: tuple[int, int], spans: Iterable[tuple[int, int]]) -> bool:
    return any(a[0] < e and s < a[1] for s, e in spans)


_STATE_CUES = ("pregnancy_plan", "pregnancy", "lactation", "childbearing")
_SEX_CUES = ("any_sex", "female", "male")


def find_pregnancy(text: str) -> Found | None:
    if cue_first_words(_STATE_CUES).isdisjoint(word_set(text)):
        return None  # no state cue can match (the loop below would find none)
    states: list[str] = []
    spans: list[tuple[int, int]] = []
    for cue, state in (("pregnancy_plan", "planning"), ("pregnancy", "pregnant"), ("lactation", "lactating"),
                       ("childbearing", "childbearing_potential")):
        found = [s for s in cue_spans(cue, text) if not overlaps(s, spans)]
        if found:
            states.append(state)
            spans.extend(found)
    if not states:
        return None
    negative_test = cue_spans("negative_pregnancy_test", text)
    negated = bool(negative_test) or bool(re.search(r"(?i)\b(?:not|non|no)[\s-]+(?:be\s+)?(?:pregnant|lactating|"
                                                      r"breast[\s-]?feeding|nursing)", text))
    if negative_test and "childbearing_potential" in states and "pregnant" not in states:
        states.append("pregnant")
    if negated and "childbearing_potential" in states:
        states.remove("childbearing_potential")
    spans.extend(negative_test)
    start, end = min(s for s, _ in spans), max(e for _, e in spans)
    return Found(start, end, PregnancyConstraint(states=states, present=not negated, text=text[start:end]))  # type: ignore[arg-type]


def find_sex(text: str) -> tuple[SexConstraint | None, list[tuple[int, int]]]:
    if cue_first_words(_SEX_CUES).isdisjoint(word_set(text)):
        return None, []  # no sex cue can match: no limit and no spans, with or without contraception
    any_spans = cue_spans("any_sex", text)
    female = [s for s in cue_spans("female", text) if not overlaps(s, any_spans)]
    male = [s for s in cue_spans("male", text) if not overlaps(s, any_spans)]
    spans = any_spans + female + male
    if cue_matcher("contraception").search(text):
        return None, spans  # "women must use birth control": a rule for women, not a sex limit
    if female and not male:
        return SexConstraint(sex="female", text=text[female[0][0]:female[0][1]]), spans
    if male and not female:
        return SexConstraint(sex="male", text=text[male[0][0]:male[0][1]]), spans
    if any_spans and not female and not male:
        return SexConstraint(sex="any", text=text[any_spans[0][0]:any_spans[0][1]]), spans
    return None, spans


def find_special(text: str, kind: str) -> list[Found]:
    """Consent, compliance, practical, judgement and other-trial items (used when nothing else was found).

    In an exclusion, consent and compliance items are about *not* agreeing or
    complying, whatever the wording; elsewhere negative cues ("unable") decide.
    """
    negative = bool(cue_matcher("negative").search(text))
    topics = [cue for cue in ("other_trial", "consent", "compliance", "practical", "judgement")
              if cue_matcher(cue).search(text)]
    if "other_trial" in topics:
        topics = ["other_trial"]
    elif len(topics) > 1:
        topics = [t for t in topics if t != "judgement"]
    applies_to = None
    if cue_matcher("contraception").search(text) or cue_matcher("childbearing").search(text):
        female, male = cue_matcher("female").search(text), cue_matcher("male").search(text)
        applies_to = "female" if female and not male else ("male" if male and not female else None)
    out: list[Found] = []
    for topic in topics:
        spans = cue_spans(topic, text)
        positive = not negative
        if kind == "exclusion" and topic in {"consent", "compliance"}:
            positive = False
        item = (ConsentItem(positive=positive, text=text) if topic == "consent"
                else ComplianceItem(topic=topic, positive=positive, applies_to=applies_to, text=text))  # type: ignore[arg-type]
        out.append(Found(spans[0][0], spans[-1][1], item))
    return out
