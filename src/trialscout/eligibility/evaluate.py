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

from .checks import Holds, Outcome, check
from .constraints import Constraint, NeedsReview, ParsedCriterion, ParsedEligibility
from .profile.form import apply_answers
from .profile.models import Evidence, Profile, ProfileFlag
from .questions import Question, questions_for_constraint

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


_WORD = re.compile(r"\w+")


@lru_cache(maxsize=65536)
def _words(text: str) -> tuple[str, ...]:
    """The lower-cased words of a text (criterion remainders and reasons repeat across trials)."""
    return tuple(_WORD.findall(text.lower()))


def _unread(pc: ParsedCriterion, outcomes: list[Outcome]) -> list[str]:
    """Words of the criterion nothing read, and no reason names (a reason quoting them has read them)."""
    uncovered = _words(pc.uncovered)
    if not uncovered:
        return []
    named = {w for o in outcomes if o.reason for w in _words(o.reason)}
    return [w for w in uncovered if w not in named]


def _open_kind(pc: ParsedCriterion, outcomes: list[Outcome], review: bool) -> OpenKind:
    """Why an unknown criterion is unknown (see the module docstring)."""
    counted = [o for o in outcomes if o.holds != "na"]
    unknown = [o for o in counted if o.holds is None]
    if review and not any(o.holds is not None for o in counted):
        return "review"
    if pc.criterion.kind == "exclusion":
        pointed = any(o.holds is True for o in counted) or any(o.evidence or o.partly for o in unknown)
        return "evidence" if pointed else "no_evidence"
    if unknown and all(o.partly for o in unknown) and not _unread(pc, outcomes):
        return "detail"
    return "missing"


def _reason(pc: ParsedCriterion, holds: Holds, outcomes: list[Outcome], open_kind: OpenKind | None = None) -> str:
    kind = pc.criterion.kind
    deciding = [o for o in outcomes if o.holds is holds] if holds in (True, False) else []
    if deciding and (pc.logic == "any") == (holds is True):  # one option met (or one part failed) decides it
        outcomes = deciding + [o for o in outcomes if o.holds not in (True, False, None)]
    detail = " ".join(dict.fromkeys(o.reason for o in outcomes if o.reason))
    unread = _unread(pc, outcomes)
    if pc.coverage == "partial" and holds is None and unread:
        detail += f" Part of this criterion could not be checked automatically (\"{pc.uncovered}\")."
    if holds == "na":
        return detail or "This does not concern you."
    if kind == "exclusion":
        lead = {True: "This exclusion applies to you.", False: "This exclusion does not apply to you.",
                None: "Not enough information to tell whether this exclusion applies."}[holds]
        if open_kind == "no_evidence":
            lead += " Nothing you told us points to it."
    else:
        lead = {True: "You meet this criterion.", False: "You do not meet this criterion.",
                None: "Not enough information to tell whether you meet this criterion."}[holds]
        if open_kind == "detail":
            lead = "You probably meet this criterion; the study team will confirm the detail."
    return f"{lead} {detail}".strip()


#: Exact copies of exception constraints, by id (the original is kept so its id stays its own); constraints are frozen.
_EXACT: dict[int, tuple[Constraint, Constraint]] = {}


def _exact(x: Constraint) -> Constraint:
    """``x`` with ``exact=True`` (an exception's qualifiers do not matter), copied once per constraint."""
    if not hasattr(x, "exact"):
        return x
    hit = _EXACT.get(id(x))
    if hit is None or hit[0] is not x:
        if len(_EXACT) >= 100_000:
            _EXACT.clear()
        hit = _EXACT[id(x)] = (x, x.model_copy(update={"exact": True}))
    return hit[1]


def _evaluate_one(pc: ParsedCriterion, profile: Profile, today: date) -> tuple[CriterionResult, list[Question]]:
    c = pc.criterion
    outcomes = [check(x, profile, today, c.index) for x in pc.constraints]
    holds = _combine(pc, outcomes)
    if pc.exceptions and holds in (True, False):
        # an exception's own qualifiers ("adequately treated") do not matter: having the thing is enough to ask
        carved = [check(_exact(x), profile, today, c.index) for x in pc.exceptions]
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
    open_kind = _open_kind(pc, outcomes, review) if holds is None else None
    if pc.group == "heading" and review:
        holds, reason, open_kind = "na", "A heading for the items below.", None
    else:
        reason = _reason(pc, holds, outcomes, open_kind)
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
        study_team=holds == "na" and all(x.type in {"consent", "compliance"} for x in pc.constraints)
        and not _other_sex(pc, profile),
        open=open_kind,
    )
    return result, questions


def _other_sex(pc: ParsedCriterion, profile: Profile) -> bool:
    """True when the criterion's items are rules for the other sex ("women must use birth control" for a man)."""
    limits = {getattr(x, "applies_to", None) for x in pc.constraints}
    return profile.sex is not None and None not in limits and profile.sex not in limits


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
        parent.open = "missing" if combined is None else None  # the options are asked for, one by one
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
    unknown = [r for r in results if r.index not in soft and r.status == "unknown" and not r.needs_review]
    holding = [r for r in unknown if r.open in {"missing", "evidence", None}]
    held = {id(r) for r in holding}  # identity: results of one trial differ by index, so == is identity here
    to_confirm = [r for r in unknown if id(r) not in held]
    to_review = [r.index for r in results if r.needs_review]
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
    asked = {q for r in unknown for q in r.questions} | {q for r in results if r.needs_review for q in r.questions}
    return EligibilityResult(verdict=verdict, summary=summary, criteria=results,
                             questions=[q for qid, q in questions.items() if qid in asked],
                             blocking=blocking, to_review=to_review, to_confirm=[r.index for r in to_confirm],
                             flags=list(profile.flags))


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
