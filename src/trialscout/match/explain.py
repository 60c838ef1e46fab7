"""Explain one matched trial in the person's terms: which of their conditions it is about, which
criteria they meet, what we still need to know (as questions), and what rules them out, if anything."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from ..eligibility import CriterionResult, EligibilityResult
from .models import ConditionMatch, CriterionNote, Explanation, SiteDistance

MAX_QUESTIONS = 12
_WORD = re.compile(r"[^\W_]+")


def condition_matches(yours: Sequence[str], terms: Mapping[str, Sequence[str]],
                      trial_conditions: Sequence[str], title: str = "") -> tuple[ConditionMatch, ...]:
    """Each of the person's conditions that found the trial, with the trial's conditions (else its title)
    holding all the words of it or of a phrase searched for it; empty ``trial_terms`` when the match was
    elsewhere in the record (its summary or keywords)."""
    found = []
    theirs = [(c, frozenset(_words(c))) for c in trial_conditions]
    title_words = frozenset(_words(title))
    for condition in yours:
        wanted = [w for w in (frozenset(_words(p)) for p in (condition, *terms.get(condition, ()))) if w]
        hits = tuple(c for c, words in theirs if any(w <= words for w in wanted))
        if not hits and title and any(w <= title_words for w in wanted):
            hits = (title,)
        found.append(ConditionMatch(condition, hits))
    return tuple(found)


def _words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


def _note(result: CriterionResult) -> CriterionNote:
    return CriterionNote(result.index, result.kind, result.text, result.reason)


def met_criteria(result: EligibilityResult) -> tuple[CriterionNote, ...]:
    """Inclusion criteria met and exclusions known not to apply (registry age/sex limits included)."""
    return tuple(_note(c) for c in result.criteria
                 if (c.kind == "inclusion" and c.status == "met") or (c.kind == "exclusion" and c.status == "not_met"))


def deciding_criterion(result: EligibilityResult) -> CriterionNote | None:
    """What rules the person out: an exclusion that applies first, else an inclusion they do not meet."""
    blocking = [c for c in result.criteria if c.index in set(result.blocking)]
    for kind in ("exclusion", "inclusion"):
        for c in blocking:
            if c.kind == kind:
                return _note(c)
    return None


def explain(result: EligibilityResult | None, conditions: tuple[ConditionMatch, ...],
            nearest: SiteDistance | None, no_criteria: str | None) -> Explanation:
    place = _place_words(nearest)
    if result is None:
        summary = f"{no_criteria or 'The record gives no eligibility criteria.'} Ask the study team whether you can join."
        return Explanation(summary, conditions, (), (), None, 0, 0, place)
    met = met_criteria(result)
    deciding = deciding_criterion(result)
    questions = tuple(q.text for q in result.questions)[:MAX_QUESTIONS]
    checked = sum(1 for c in result.criteria if c.status in {"met", "not_met", "unknown"})
    if deciding is not None:
        what = "This exclusion applies to you" if deciding.kind == "exclusion" else "You do not meet this criterion"
        summary = f"{what}: \u201c{_short(deciding.text)}\u201d."
    elif result.verdict == "need_more_information":
        summary = (f"You meet {len(met)} of {checked} criteria we could check; "
                   f"{_count(len(result.questions), 'question')} would settle the rest.")
    else:
        summary = f"Nothing we know rules you out: you meet all {len(met)} criteria we could check."
    if result.to_review:
        summary += f" The study team will check {_count(len(result.to_review), 'criterion', 'criteria')} we could not read."
    return Explanation(summary, conditions, met, questions, deciding, checked, len(result.to_review), place)


def _place_words(nearest: SiteDistance | None) -> str | None:
    if nearest is None:
        return None
    where = nearest.place or nearest.facility or "a site"
    if nearest.km is None:
        return f"Site in {where}"
    if nearest.km < 1:
        return f"Nearest site: {where}, in your area"
    about = "about " if nearest.approximate else ""
    return f"Nearest site: {where}, {about}{nearest.km:,.0f} km away"


def _short(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


def _count(n: int, word: str, plural: str | None = None) -> str:
    return f"{n} {word if n == 1 else plural or word + 's'}"
