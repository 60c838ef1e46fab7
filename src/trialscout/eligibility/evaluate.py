"""Check a person's profile against a trial's parsed criteria and explain every verdict.

Each criterion gets a status — ``met``, ``not_met``, ``unknown`` or
``not_applicable`` — with a plain reason and the evidence used. For an exclusion
criterion ``met`` means *the exclusion applies to the person*; ``applies`` says
the same in so many words. The trial verdict is ``likely_eligible``,
``likely_not_eligible`` or ``need_more_information`` (with the questions that
would settle it). Constraints combine with three-valued logic, and words the
parser did not understand count as an unknown part of the criterion, so a
verdict never rests on text that was not read.

Why a criterion is unknown (``CriterionResult.open``) decides what it does to the
trial verdict:

* ``missing`` — information the person has not given. An inclusion like this
  makes the verdict "need more information".
* ``detail`` — an inclusion whose named condition the person has, narrowed by words
  (a stage, a severity) that only the study team can judge. It does not hold the
  verdict back; the study team confirms it.
* ``no_evidence`` — an exclusion nothing the person gave points to (nothing they
  have matches it, no part of it holds). A person is not assumed to have what
  they have not mentioned, so it does not hold the verdict back either; its
  questions are listed "to confirm".
* ``evidence`` — an exclusion something the person gave may make apply ("severe
  active bleeding" for someone with bleeding, or one part of it holds). The
  verdict is "need more information".
* ``review`` — a criterion the parser could not read: the study team checks it.

So: *likely not eligible* when an inclusion is not met or an exclusion applies;
*need more information* when an inclusion is open for ``missing`` data or an
exclusion is open with ``evidence``; otherwise *likely eligible*, with the open
exclusions and details named in the summary and their questions listed.
"""

from __future__ import annotations

import re
from collections.abc import Sized
from functools import lru_cache
from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

from .checks import CHECKERS, Holds, Outcome, check
from .constraints import Constraint, ParsedCriterion, ParsedEligibility
from .prepared import PreparedProfile
from .profile.models import Evidence, Profile, ProfileFlag
from .questions import Question, questions_for_constraint
from .trusted import trusted

Status = Literal["met", "not_met", "unknown", "not_applicable"]
Verdict = Literal["likely_eligible", "likely_not_eligible", "need_more_information"]
#: Why a criterion is unknown; see the module docstring for what each does to the trial verdict.
OpenKind = Literal["missing", "detail", "no_evidence", "evidence", "review"]


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
    open: OpenKind | None = None


class EligibilityResult(BaseModel):
    """All criterion verdicts, the trial verdict, and what to ask next."""

    verdict: Verdict
    summary: str
    criteria: list[CriterionResult]
    questions: list[Question] = Field(default_factory=list)
    blocking: list[int] = Field(default_factory=list)
    to_review: list[int] = Field(default_factory=list)
    to_confirm: list[int] = Field(default_factory=list)
    flags: list[ProfileFlag] = Field(default_factory=list)


def _and(values: list[Holds]) -> Holds:
    """Kleene "and" of True / False / None values."""
    if False in values:
        return False
    return True if values.count(True) == len(values) else None


def _or(values: list[Holds]) -> Holds:
    """Kleene "or" of True / False / None values."""
    if True in values:
        return True
    return False if values.count(False) == len(values) else None


def _combine(pc: ParsedCriterion, outcomes: list[Outcome]) -> Holds:
    values: list[Holds] = []
    either: list[Holds] = []  # "male or female": counts only when nothing else does
    for c, o in zip(pc.constraints, outcomes):
        holds = o.holds
        if holds == "na":
            continue
        if c.type == "sex" and c.sex == "any":  # type: ignore[union-attr]
            either.append(holds)
        else:
            values.append(holds)
    if not values:
        if not either:
            return "na"
        values = either
    if pc.coverage == "partial":
        values.append(None)  # the words we could not read are an unknown part of the criterion
    return _or(values) if pc.logic == "any" else _and(values)


def _status(kind: str, holds: Holds) -> Status:
    return _STATUS[holds]


#: A criterion's status by what its constraints combine to.
_STATUS: dict[Holds, Status] = {True: "met", False: "not_met", None: "unknown", "na": "not_applicable"}

_WORD = re.compile(r"\w+")


@lru_cache(maxsize=65536)
def _words(text: str) -> tuple[str, ...]:
    """The lower-cased words of a text (criterion remainders and reasons repeat across trials)."""
    return tuple(_WORD.findall(text.lower()))


def _unread(pc: ParsedCriterion, outcomes: list[Outcome]) -> bool:
    """True when some word of the criterion nothing read is named by no reason (a reason quoting it has read it)."""
    uncovered = _words(pc.uncovered)
    if not uncovered:
        return False
    named: set[str] = set()
    for o in outcomes:
        if o.reason:
            named.update(_words(o.reason))
    return not named.issuperset(uncovered)


def _open_kind(pc: ParsedCriterion, outcomes: list[Outcome], review: bool) -> OpenKind:
    """Why an unknown criterion is unknown (see the module docstring)."""
    decided = pointed = unknown = False
    all_partly = True
    for o in outcomes:
        holds = o.holds
        if holds is None:
            unknown = True
            if o.evidence or o.partly:
                pointed = True
            if not o.partly:
                all_partly = False
        elif holds != "na":
            decided = True
            if holds is True:
                pointed = True
    if review and not decided:
        return "review"
    if pc.criterion.kind == "exclusion":
        return "evidence" if pointed else "no_evidence"
    if unknown and all_partly and not _unread(pc, outcomes):
        return "detail"
    return "missing"


_EXCLUSION_LEAD = {True: "This exclusion applies to you.", False: "This exclusion does not apply to you.",
                   None: "Not enough information to tell whether this exclusion applies."}
_INCLUSION_LEAD = {True: "You meet this criterion.", False: "You do not meet this criterion.",
                   None: "Not enough information to tell whether you meet this criterion."}


def _reason(pc: ParsedCriterion, holds: Holds, outcomes: list[Outcome], open_kind: OpenKind | None = None) -> str:
    if len(outcomes) > 1 and (holds is True or holds is False) and (pc.logic == "any") == holds:  # one option met
        deciding = [o for o in outcomes if o.holds is holds]  # (or one part failed) decides it; a single outcome
        if deciding:                                          # stays as it is
            outcomes = deciding + [o for o in outcomes if o.holds == "na"]
    if len(outcomes) == 1:
        detail = outcomes[0].reason
    else:
        detail = " ".join(dict.fromkeys([o.reason for o in outcomes if o.reason]))
    if holds is None and pc.coverage == "partial" and _unread(pc, outcomes):
        detail += f" Part of this criterion could not be checked automatically (\"{pc.uncovered}\")."
    if holds == "na":
        return detail or "This does not concern you."
    if pc.criterion.kind == "exclusion":
        lead = _EXCLUSION_LEAD[holds]
        if open_kind == "no_evidence":
            lead += " Nothing you told us points to it."
    else:
        lead = _INCLUSION_LEAD[holds]
        if open_kind == "detail":
            lead = "You probably meet this criterion; the study team will confirm the detail."
    return f"{lead} {detail}".strip()


def _exact(x: Constraint) -> Constraint:
    """``x`` with ``exact=True`` (an exception's qualifiers do not matter); ``x`` itself when it already is."""
    if x.type not in {"condition", "medication", "procedure"} or x.exact:  # type: ignore[union-attr]
        return x
    return x.model_copy(update={"exact": True})


def _evaluate_one(pc: ParsedCriterion, person: PreparedProfile) -> tuple[CriterionResult, list[Question]]:
    c = pc.criterion
    index, kind = c.index, c.kind
    constraints = pc.constraints
    if len(constraints) == 1:  # nine criteria in ten: what ``_combine`` does for one outcome, without its loops
        x = constraints[0]
        checker = CHECKERS.get(type(x))
        outcome = checker(x, person, index) if checker is not None else check(x, person, index)
        outcomes = [outcome]
        holds = outcome.holds
        if pc.coverage == "partial" and holds != "na":  # the unread words are an unknown part of the criterion
            holds = (True if holds is True else None) if pc.logic == "any" else (False if holds is False else None)
        review = x.type == "review"
    else:
        outcomes = []
        for x in constraints:
            checker = CHECKERS.get(type(x))
            outcomes.append(checker(x, person, index) if checker is not None else check(x, person, index))
        holds = _combine(pc, outcomes)
        review = False
        for x in constraints:
            if x.type == "review":
                review = True
                break
    if pc.exceptions and (holds is True or holds is False):
        # an exception's own qualifiers ("adequately treated") do not matter: having the thing is enough to ask
        carved = [check(_exact(x), person, index) for x in pc.exceptions]
        rescued = holds is (kind == "exclusion")  # the exception could only help the person
        if kind == "exclusion":  # excluded unless the person is known to have the exception
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
    open_kind = _open_kind(pc, outcomes, review) if holds is None else None
    if pc.group == "heading" and review:
        holds, reason, open_kind = "na", "A heading for the items below.", None
    else:
        reason = _reason(pc, holds, outcomes, open_kind)
    questions: list[Question] = []
    qids: list[str] = []
    if holds is None:
        wanted: set[str] = set()
        for o in outcomes:
            if o.holds is None and o.questions:
                wanted.update(o.questions)
        if wanted:
            for x in constraints:
                for q in questions_for_constraint(x, index):
                    if q.id in wanted and q.id not in qids:
                        qids.append(q.id)
                        questions.append(q)
    evidence: list[Evidence] = []
    for o in outcomes:
        if o.evidence and o.holds != "na":
            evidence.extend(o.evidence)
    decided = holds is True or holds is False
    result = _new(CriterionResult)  # as ``trusted(CriterionResult, values)`` makes it, without the call
    _set(result, "__dict__", {
        "index": index, "kind": kind, "text": c.text, "source": c.source, "parent": c.parent,
        "status": _STATUS[holds], "applies": holds if decided and kind == "exclusion" else None,
        "reason": reason, "evidence": evidence, "questions": qids,
        "needs_review": review and holds is None,
        "study_team": holds == "na" and _team_only(constraints) and not _other_sex(pc, person),
        "open": open_kind,
    })
    _set(result, "__pydantic_fields_set__", _RESULT_FIELDS.copy())
    _set(result, "__pydantic_extra__", None)
    _set(result, "__pydantic_private__", None)
    return result, questions


_new = object.__new__
_set = object.__setattr__
#: Every field of ``CriterionResult``, in order: the field set of a result made with all of them.
_RESULT_FIELDS = set(CriterionResult.model_fields)


def _team_only(constraints: list[Constraint]) -> bool:
    """True when every item is settled with the study team (consent, visits, the doctors' judgement)."""
    return all(x.type in {"consent", "compliance"} for x in constraints)


def _other_sex(pc: ParsedCriterion, person: PreparedProfile) -> bool:
    """True when the criterion's items are rules for the other sex ("women must use birth control" for a man)."""
    limits = {x.applies_to if x.type == "compliance" else None for x in pc.constraints}  # type: ignore[union-attr]
    return person.sex is not None and None not in limits and person.sex not in limits


def _apply_groups(results: list[CriterionResult], parsed: list[ParsedCriterion]) -> set[int]:
    """"One of the following" inclusion groups: the parent is met when any child is met.

    Returns the indexes of children whose own verdict must not block the trial.
    """
    soft: set[int] = set()
    groups = [pc for pc in parsed if pc.group == "any_of" and pc.criterion.kind == "inclusion"]
    if not groups:
        return soft
    by_index = {r.index: r for r in results}
    for pc in groups:
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
        parent.open = "missing" if combined is None else None  # the options are asked for, one by one
        parent.reason = options
        parent.needs_review = False
    return soft


def _count(items: Sized, one: str, many: str) -> str:
    """ "1 criterion", "3 criteria"."""
    return f"{len(items)} {one if len(items) == 1 else many}"


def evaluate(parsed: ParsedEligibility, profile: Profile | PreparedProfile,
             today: date | None = None) -> EligibilityResult:
    """Check ``profile`` against every parsed criterion of a trial; never raises for missing data.

    ``profile`` may be prepared once (``prepare_profile(profile, today)``) for checking one person against many
    trials; a prepared profile is used as prepared, unless ``today`` names another day.
    """
    if isinstance(profile, PreparedProfile):
        person = profile if today is None or today == profile.today else PreparedProfile(profile.profile, today)
    else:
        person = PreparedProfile(profile, today or date.today())
    items = parsed.all()
    results: list[CriterionResult] = []
    questions: dict[str, Question] = {}
    for pc in items:
        result, qs = _evaluate_one(pc, person)
        results.append(result)
        for q in qs:
            questions.setdefault(q.id, q)
    soft = _apply_groups(results, items)
    blocking: list[int] = []
    unknown: list[CriterionResult] = []
    holding: list[CriterionResult] = []  # open for missing data or with evidence: they hold the verdict back
    to_confirm: list[CriterionResult] = []
    to_review: list[int] = []
    for r in results:
        if r.needs_review:
            to_review.append(r.index)
        if soft and r.index in soft:
            continue
        status = r.status
        if status == "unknown":
            if not r.needs_review:
                unknown.append(r)
                (holding if r.open in _HOLDING else to_confirm).append(r)
        elif (status == "not_met" and r.kind == "inclusion") or (status == "met" and r.kind == "exclusion"):
            blocking.append(r.index)
    if not items:
        verdict: Verdict = "need_more_information"
        summary = "Need more information: the record gives no criteria to check; ask the study team."
    elif blocking:
        verdict = "likely_not_eligible"
        named = "; ".join(_short(r.text) for r in results if r.index in blocking)
        summary = f"Likely not eligible: {_count(blocking, 'criterion rules', 'criteria rule')} you out ({named})."
    elif holding:
        asked = {q for r in holding for q in r.questions}
        summary = (f"Need more information: {_count(holding, 'criterion', 'criteria')} cannot be checked yet; "
                   f"answering {_count(asked, 'question', 'questions')} would help.")
        verdict = "need_more_information"
    else:
        verdict = "likely_eligible"
        summary = _eligible_summary(to_confirm)
    if to_review:
        summary += (f" {_count(to_review, 'criterion', 'criteria')} could not be read automatically; "
                    f"the study team will check {'it' if len(to_review) == 1 else 'them'}.")
    asked: set[str] = set()
    for r in unknown:
        asked.update(r.questions)
    if to_review:
        for r in results:
            if r.needs_review:
                asked.update(r.questions)
    return trusted(EligibilityResult, {
        "verdict": verdict, "summary": summary, "criteria": results,
        "questions": [q for qid, q in questions.items() if qid in asked],
        "blocking": blocking, "to_review": to_review, "to_confirm": [r.index for r in to_confirm],
        "flags": list(person.profile.flags)})


#: Why an unknown criterion holds the verdict back (the others are listed "to confirm").
_HOLDING = frozenset({"missing", "evidence", None})


def _short(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def _eligible_summary(to_confirm: list[CriterionResult]) -> str:
    """"Likely eligible", saying what is still to confirm and why it does not hold the verdict back."""
    summary = "Likely eligible: every criterion we could check is met"
    if not to_confirm:
        return summary + "."
    details = [r for r in to_confirm if r.open == "detail"]
    exclusions = [r for r in to_confirm if r.open == "no_evidence"]
    parts = []
    if details:
        parts.append(f"{_count(details, 'inclusion criterion asks', 'inclusion criteria ask')} for a detail "
                     "(such as a stage) the study team will confirm")
    if exclusions:
        asked = {q for r in exclusions for q in r.questions}
        parts.append(f"nothing you told us points to {_count(exclusions, 'exclusion', 'of the exclusions')} still "
                     f"open" + (f"; answering {_count(asked, 'question', 'questions')} would confirm "
                                f"{'it' if len(exclusions) == 1 else 'them'}" if asked else ""))
    return f"{summary}; " + "; ".join(parts) + "."
