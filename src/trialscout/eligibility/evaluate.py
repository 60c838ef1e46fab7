"""Check a person's profile against a trial's parsed criteria and explain every verdict.

Each criterion gets a status — ``met``, ``not_met``, ``unknown`` or
``not_applicable`` — with a plain reason and the evidence used. For an exclusion
criterion ``met`` means *the exclusion applies to the person*; ``applies`` says
the same in so many words. The trial verdict is ``likely_eligible``,
``likely_not_eligible`` or ``need_more_information`` (with the questions that
would settle it). Constraints combine with three-valued logic, and words the
parser did not understand count as an unknown part of the criterion, so a
verdict never rests on text that was not read.
"""

from __future__ import annotations

import re
from collections.abc import Sized
from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

from .checks import Holds, Outcome, check
from .constraints import NeedsReview, ParsedCriterion, ParsedEligibility
from .profile.form import apply_answers
from .profile.models import Evidence, Profile, ProfileFlag
from .questions import Question, questions_for_constraint

Status = Literal["met", "not_met", "unknown", "not_applicable"]
Verdict = Literal["likely_eligible", "likely_not_eligible", "need_more_information"]


class CriterionResult(BaseModel):
    """The verdict on one criterion.

    ``applies`` is set for exclusions: True = the person is excluded by it.
    ``study_team`` marks items settled with the study team (consent, visits,
    the doctors' judgement) rather than from health data.
    """

    index: int
    kind: Literal["inclusion", "exclusion"]
    text: str
    source: Literal["text", "registry"] = "text"
    parent: int | None = None
    status: Status
    applies: bool | None = None
    reason: str
    evidence: list[Evidence] = Field(default_factory=list)
    questions: list[str] = Field(default_factory=list)
    needs_review: bool = False
    study_team: bool = False


class EligibilityResult(BaseModel):
    """All criterion verdicts, the trial verdict, and what to ask next."""

    verdict: Verdict
    summary: str
    criteria: list[CriterionResult]
    questions: list[Question] = Field(default_factory=list)
    blocking: list[int] = Field(default_factory=list)
    to_review: list[int] = Field(default_factory=list)
    flags: list[ProfileFlag] = Field(default_factory=list)


def _and(values: list[Holds]) -> Holds:
    if any(v is False for v in values):
        return False
    return True if all(v is True for v in values) else None


def _or(values: list[Holds]) -> Holds:
    if any(v is True for v in values):
        return True
    return False if all(v is False for v in values) else None


def _combine(pc: ParsedCriterion, outcomes: list[Outcome]) -> Holds:
    pairs = [(c, o) for c, o in zip(pc.constraints, outcomes) if o.holds != "na"]
    deciding = [(c, o) for c, o in pairs if not (c.type == "sex" and c.sex == "any")]  # type: ignore[union-attr]
    values = [o.holds for _, o in (deciding or pairs)]
    if not values:
        return "na"
    if pc.coverage == "partial":
        values.append(None)  # the words we could not read are an unknown part of the criterion
    return _or(values) if pc.logic == "any" else _and(values)


def _status(kind: str, holds: Holds) -> Status:
    if holds == "na":
        return "not_applicable"
    if holds is None:
        return "unknown"
    return "met" if holds else "not_met"


def _reason(pc: ParsedCriterion, holds: Holds, outcomes: list[Outcome]) -> str:
    kind = pc.criterion.kind
    detail = " ".join(dict.fromkeys(o.reason for o in outcomes if o.reason))
    named = set(re.findall(r"\w+", detail.lower()))
    unread = [w for w in re.findall(r"\w+", pc.uncovered.lower()) if w not in named]  # words the reason names are read
    if pc.coverage == "partial" and holds is None and unread:
        detail += f" Part of this criterion could not be checked automatically (\"{pc.uncovered}\")."
    if holds == "na":
        return detail or "This does not concern you."
    if kind == "exclusion":
        lead = {True: "This exclusion applies to you.", False: "This exclusion does not apply to you.",
                None: "Not enough information to tell whether this exclusion applies."}[holds]
    else:
        lead = {True: "You meet this criterion.", False: "You do not meet this criterion.",
                None: "Not enough information to tell whether you meet this criterion."}[holds]
    return f"{lead} {detail}".strip()


def _evaluate_one(pc: ParsedCriterion, profile: Profile, today: date) -> tuple[CriterionResult, list[Question]]:
    c = pc.criterion
    outcomes = [check(x, profile, today, c.index) for x in pc.constraints]
    holds = _combine(pc, outcomes)
    if pc.exceptions and holds in (True, False):
        # an exception's own qualifiers ("adequately treated") do not matter: having the thing is enough to ask
        carved = [check(x.model_copy(update={"exact": True}) if hasattr(x, "exact") else x, profile, today, c.index)
                  for x in pc.exceptions]
        rescued = holds is (c.kind == "exclusion")  # the exception could only help the person
        if c.kind == "exclusion":  # excluded unless the person is known to have the exception
            could_apply = any(o.holds is True for o in carved)
        else:  # an exception widens who can join: ask when unknown
            could_apply = any(o.holds is not False and o.holds != "na" for o in carved)
        if could_apply and rescued:
            holds = None
            outcomes.append(Outcome(None, "An exception in this criterion may apply to you.",
                                    [e for o in carved for e in o.evidence],
                                    [q for o in carved for q in o.questions]))
        elif rescued:
            outcomes.append(Outcome(holds, "(The criterion's exception does not apply, as far as we know.)"))
    review = any(isinstance(x, NeedsReview) for x in pc.constraints)
    if pc.group == "heading" and review:
        holds, reason = "na", "A heading for the items below."
    else:
        reason = _reason(pc, holds, outcomes)
    questions: list[Question] = []
    qids: list[str] = []
    if holds is None:
        wanted = {q for o in outcomes if o.holds is None for q in o.questions}
        for x in pc.constraints:
            for q in questions_for_constraint(x, c.index):
                if q.id in wanted and q.id not in qids:
                    qids.append(q.id)
                    questions.append(q)
    result = CriterionResult(
        index=c.index, kind=c.kind, text=c.text, source=c.source, parent=c.parent, status=_status(c.kind, holds),
        applies=(holds is True) if c.kind == "exclusion" and holds in (True, False) else None, reason=reason,
        evidence=[e for o in outcomes if o.holds != "na" for e in o.evidence], questions=qids,
        needs_review=review and holds is None,
        study_team=holds == "na" and all(x.type in {"consent", "compliance"} for x in pc.constraints),
    )
    return result, questions


def _apply_groups(results: list[CriterionResult], parsed: list[ParsedCriterion]) -> set[int]:
    """"One of the following" inclusion groups: the parent is met when any child is met.

    Returns the indexes of children whose own verdict must not block the trial.
    """
    by_index = {r.index: r for r in results}
    soft: set[int] = set()
    for pc in parsed:
        if pc.group != "any_of" or pc.criterion.kind != "inclusion":
            continue
        children = [r for r in results if r.parent == pc.criterion.index]
        if not children:
            continue
        soft.update(r.index for r in children)
        values: list[Holds] = [{"met": True, "not_met": False}.get(r.status) for r in children
                               if r.status != "not_applicable"]
        parent = by_index[pc.criterion.index]
        combined = _or(values) if values else "na"
        options = {True: "You meet at least one of the options listed below.",
                   False: "You meet none of the options listed below.",
                   None: "Not enough information to tell whether you meet one of the options below.",
                   "na": "None of the options below concerns you."}[combined]
        own: Holds = {"met": True, "not_met": False, "unknown": None}.get(parent.status, "na")
        if own != "na" and not parent.needs_review:  # the heading's own words count too ("diagnosis of X with one of:")
            combined = _and([own, combined]) if combined != "na" else own
            options = f"{parent.reason} {options}"
        parent.status = _status("inclusion", combined)
        parent.reason = options
        parent.needs_review = False
    return soft


def _count(items: Sized, one: str, many: str) -> str:
    """ "1 criterion", "3 criteria"."""
    return f"{len(items)} {one if len(items) == 1 else many}"


def evaluate(parsed: ParsedEligibility, profile: Profile, today: date | None = None) -> EligibilityResult:
    """Check ``profile`` against every parsed criterion of a trial; never raises for missing data."""
    today = today or date.today()
    profile = apply_answers(profile)
    items = parsed.all()
    results: list[CriterionResult] = []
    questions: dict[str, Question] = {}
    for pc in items:
        result, qs = _evaluate_one(pc, profile, today)
        results.append(result)
        for q in qs:
            questions.setdefault(q.id, q)
    soft = _apply_groups(results, items)
    blocking = [r.index for r in results if r.index not in soft and (
        (r.kind == "inclusion" and r.status == "not_met") or (r.kind == "exclusion" and r.status == "met"))]
    open_items = [r for r in results if r.index not in soft and r.status == "unknown" and not r.needs_review]
    to_review = [r.index for r in results if r.needs_review]
    if not items:
        verdict: Verdict = "need_more_information"
        summary = "Need more information: the record gives no criteria to check; ask the study team."
    elif blocking:
        verdict = "likely_not_eligible"
        summary = f"Likely not eligible: {_count(blocking, 'criterion rules', 'criteria rule')} you out."
    elif open_items:
        verdict = "need_more_information"
        summary = (f"Need more information: {_count(open_items, 'criterion', 'criteria')} cannot be checked yet; "
                   f"answering {_count(questions, 'question', 'questions')} would help.")
    else:
        verdict = "likely_eligible"
        summary = "Likely eligible: every criterion we could check is met."
    if to_review:
        summary += (f" {_count(to_review, 'criterion', 'criteria')} could not be read automatically; "
                    f"the study team will check {'it' if len(to_review) == 1 else 'them'}.")
    asked = {q for r in open_items for q in r.questions} | {q for r in results if r.needs_review for q in r.questions}
    return EligibilityResult(verdict=verdict, summary=summary, criteria=results,
                             questions=[q for qid, q in questions.items() if qid in asked],
                             blocking=blocking, to_review=to_review, flags=list(profile.flags))
