"""Questions a person answers so their eligibility can be checked.

``questions_for(parsed)`` lists only what a trial's parsed criteria need, each
lab in the units a lab report prints. Answers come back keyed by
``Question.id`` in ``Profile.answers`` (or ``profile_from_form(... "answers")``).

Question ids: ``age``, ``sex``, ``height``, ``weight``, ``pregnant``,
``lactating``, ``pregnancy_plan``, ``childbearing_potential``,
``lab:<analyte>``, ``lab_flag:<analyte>`` (high / normal / low on the report, for limits
relative to the normal range), ``score:<score>``, ``condition:<concept>`` (now),
``history:<concept>`` (ever), ``family:<concept>``, ``medication:<concept>``,
``procedure:<concept>`` and ``criterion:<index>`` for a criterion the parser
could not read. A concept not in the vocabulary uses a slug of its words.

Yes/no answers may be true/false or text ("yes", "no", "y", "n", "1", "0"); a lab
without a unit (``NO_UNIT``, "(no unit)", or none at all) is read for unitless
analytes such as INR.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field

from .constraints import (
    AgeConstraint, ConditionConstraint, Constraint, LabConstraint, MedicationConstraint, NeedsReview,
    ParsedCriterion, ParsedEligibility, PregnancyConstraint, ProcedureConstraint, ScoreConstraint, SexConstraint,
)
from .labs import NO_UNIT, analytes
from .grades import score_spec
from .ruleset import load_rules_file, vocabulary
from .trusted import trusted


class Question(BaseModel):
    """One question for the form: ``kind`` is number, yes_no, choice or lab (a value with a unit)."""

    model_config = ConfigDict(frozen=True)

    id: str
    text: str
    kind: Literal["number", "yes_no", "choice", "lab"]
    unit_options: list[str] = Field(default_factory=list)
    choices: list[str] = Field(default_factory=list)
    help: str | None = None
    optional: bool = False


@lru_cache(maxsize=65536)
def slug(text: str) -> str:
    """A stable id fragment for free words: ``"Circulatory collapse"`` -> ``"circulatory-collapse"``."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "item"


def _display_unit(unit: str) -> str:
    return unit.replace("umol", "µmol").replace("uL", "µL") if unit != "1" else NO_UNIT


@lru_cache(maxsize=None)
def _lab_question(analyte: str) -> Question:
    spec = analytes()[analyte]
    return Question(id=f"lab:{analyte}", text=f"What is your most recent {spec.label}?", kind="lab",
                    unit_options=[_display_unit(u) for u in spec.report_units],
                    help="Copy the number and unit from your latest lab report.")


#: Choices of a ``lab_flag:<analyte>`` question: the flag a lab report prints beside a result.
LAB_FLAGS = ["high", "normal", "low"]


@lru_cache(maxsize=None)
def _flag_question(analyte: str) -> Question:
    label = analytes()[analyte].label
    return Question(id=f"lab_flag:{analyte}", kind="choice", choices=list(LAB_FLAGS),
                    text=f"On your latest lab report, was your {label} high, normal or low?",
                    help="Lab reports mark a result above the normal range as high (H).")


_STATIC = {
    "age": Question(id="age", text="How old are you?", kind="number", unit_options=["years"]),
    "sex": Question(id="sex", text="What is your sex?", kind="choice", choices=["female", "male"]),
    "height": Question(id="height", text="How tall are you?", kind="number", unit_options=["cm", "in"]),
    "weight": Question(id="weight", text="How much do you weigh?", kind="number", unit_options=["kg", "lb"]),
    "pregnant": Question(id="pregnant", text="Are you pregnant?", kind="yes_no"),
    "lactating": Question(id="lactating", text="Are you breastfeeding?", kind="yes_no"),
    "pregnancy_plan": Question(id="pregnancy_plan", text="Are you planning to become pregnant in the next year?",
                               kind="yes_no"),
    "childbearing_potential": Question(id="childbearing_potential", kind="yes_no",
                                       text="Could you become pregnant (you have not gone through menopause "
                                            "and have not had surgery that prevents pregnancy)?"),
}


@lru_cache(maxsize=None)
def _score_questions(score: str) -> tuple[Question, ...]:
    spec = score_spec(score)
    inputs = spec.get("computed_from", [])
    if score == "meld":
        return tuple(_lab_question(a) for a in inputs)
    if score == "bmi":
        return _STATIC["height"], _STATIC["weight"]
    if spec.get("choices"):
        return (Question(id=f"score:{score}", text=f"What is your {spec['label']}?", kind="choice",
                         choices=list(spec["choices"]), help="Your doctor can tell you this."),)
    if spec.get("classes"):
        return (Question(id=f"score:{score}", text=f"What is your {spec['label']} (class)?", kind="choice",
                         choices=sorted(spec["classes"]), help="Your doctor can tell you this."),)
    unit = spec.get("unit", "1")
    return (Question(id=f"score:{score}", text=f"What is your {spec['label']}?", kind="number",
                     unit_options=[_display_unit(unit)] if unit != "1" else [], help="Your doctor can tell you this."),)


def entity_key(c: ConditionConstraint | MedicationConstraint | ProcedureConstraint) -> str:
    """Concept id of an entity constraint, or a slug of its words."""
    return c.concept or slug(c.term)


#: The id prefix of a condition question by the constraint's context (any other context asks about now).
_CONDITION_PREFIX = {"family": "family", "historical": "history"}
_PREGNANCY_IDS = {"pregnant": "pregnant", "lactating": "lactating", "planning": "pregnancy_plan",
                  "childbearing_potential": "childbearing_potential"}


def question_ids(c: Constraint, criterion_index: int | None = None, *, alternatives: bool = True) -> list[str]:
    """Ids of the questions that would settle constraint ``c`` (without a lab's alternatives if ``alternatives``
    is False): the ids of ``questions_for_constraint``, made without building the questions."""
    kind = c.type
    if kind == "condition":
        return [f"{_CONDITION_PREFIX.get(c.context, 'condition')}:{c.concept or slug(c.term)}"]  # type: ignore[union-attr]
    if kind in {"medication", "procedure"}:
        return [f"{kind}:{c.concept or slug(c.term)}"]  # type: ignore[union-attr]
    if kind == "lab":
        analyte = c.analyte  # type: ignore[union-attr]
        out = [f"lab_flag:{analyte}" if c.unit == "x ULN"  # type: ignore[union-attr]
               else analyte if analyte in {"height", "weight"} else f"lab:{analyte}"]
        if not alternatives or not c.alternatives:  # type: ignore[union-attr]
            return out
        return out + [q for alt in c.alternatives for q in question_ids(alt) if q not in out]  # type: ignore[union-attr]
    if kind == "age":
        return ["age"]
    if kind == "sex":
        return [] if c.sex == "any" else ["sex"]  # type: ignore[union-attr]
    if kind == "score":
        return [q.id for q in _score_questions(c.score)]  # type: ignore[union-attr]
    if kind == "pregnancy":
        return ["sex", *(_PREGNANCY_IDS[s] for s in c.states)]  # type: ignore[union-attr]
    if kind == "review" and criterion_index is not None and criterion_index >= 0:
        return [f"criterion:{criterion_index}"]
    return []


def questions_for_constraint(c: Constraint, criterion_index: int | None = None, *,
                             alternatives: bool = True) -> list[Question]:
    """The questions that settle one constraint (empty for consent and study-team items); a lab's alternatives
    ("or INR between 1.5 and 2.6") add theirs unless ``alternatives`` is False.

    Questions do not depend on the person; each is built once per content and shared (they are frozen).
    """
    kind = c.type
    if kind == "condition":  # the most frequent kinds first, without the isinstance chain below
        return [_condition_question(c.context, c.concept, c.term)]  # type: ignore[union-attr]
    if kind == "review":
        if criterion_index is None or criterion_index < 0:
            return []
        return [_review_question(criterion_index, c.text)]  # type: ignore[union-attr]
    if isinstance(c, AgeConstraint):
        return [_STATIC["age"]]
    if isinstance(c, SexConstraint):
        return [] if c.sex == "any" else [_STATIC["sex"]]
    if isinstance(c, LabConstraint):
        if c.unit == "x ULN":  # relative to the report's normal range: its flag settles most of these
            out = [_flag_question(c.analyte)]
        else:
            out = [_STATIC[c.analyte]] if c.analyte in {"height", "weight"} else [_lab_question(c.analyte)]
        if not alternatives:
            return out
        return out + [q for alt in c.alternatives for q in questions_for_constraint(alt) if q not in out]
    if isinstance(c, ScoreConstraint):
        return list(_score_questions(c.score))
    if isinstance(c, PregnancyConstraint):
        return [_STATIC["sex"]] + [_STATIC[_PREGNANCY_IDS[s]] for s in c.states]
    if isinstance(c, ConditionConstraint):
        return [_condition_question(c.context, c.concept, c.term)]
    if isinstance(c, MedicationConstraint):
        within = (c.window.amount, c.window.unit) if c.window and c.window.kind == "within" else None
        return [_medication_question(c.context, c.concept, c.term, within)]
    if isinstance(c, ProcedureConstraint):
        return [_procedure_question(c.concept, c.term)]
    return []


@lru_cache(maxsize=16384)
def _review_question(criterion_index: int, text: str) -> Question:
    """The optional yes/no question quoting a criterion the parser could not read (shared: questions are frozen)."""
    return trusted(Question, {"id": f"criterion:{criterion_index}", "text": text, "kind": "yes_no",
                              "unit_options": [], "choices": [], "help": _REVIEW_HELP, "optional": True}, _REVIEW_GIVEN)


_REVIEW_GIVEN = ("id", "text", "kind", "help", "optional")
_REVIEW_HELP = "We could not read this rule automatically. Answer if you know; the study team will check it with you."


def _label(kind: str, concept: str | None, term: str) -> str:
    return vocabulary(kind).label(concept) or term.lower()


@lru_cache(maxsize=16384)
def _condition_question(context: str, concept: str | None, term: str) -> Question:
    label, key = _label("condition", concept, term), concept or slug(term)
    wording = _wording()
    named = with_article(label)
    if context == "family":
        return Question(id=f"family:{key}", text=f"Has a close blood relative had {named}?", kind="yes_no")
    own = wording.asked_as.get(key, {})
    if context == "historical":
        return Question(id=f"history:{key}", text=own.get("ever") or f"Have you ever had {named}?", kind="yes_no")
    if own.get("now"):
        return Question(id=f"condition:{key}", text=own["now"], kind="yes_no")
    if _last_word(label) in wording.event_nouns:
        return Question(id=f"condition:{key}", text=f"Have you had {named}?", kind="yes_no")
    return Question(id=f"condition:{key}", text=f"Do you have {named}?", kind="yes_no")


class _Wording(NamedTuple):
    counted_nouns: frozenset[str]
    a_not_an: tuple[str, ...]
    event_nouns: frozenset[str]
    asked_as: dict[str, dict[str, str]]


@lru_cache(maxsize=1)
def _wording() -> _Wording:
    """``rules/questions.json``: how a question about a condition is worded (see its ``_about``)."""
    data = load_rules_file("questions.json")
    return _Wording(frozenset(data["counted_nouns"]), tuple(data["a_not_an"]), frozenset(data["event_nouns"]),
                    data["asked_as"])


def _last_word(label: str) -> str:
    words = label.split()
    return words[-1].casefold() if words else ""


def with_article(label: str) -> str:
    """``label`` with "a" or "an" when it names one of a countable kind ("an infection", "a herniated disc");
    as it is otherwise ("diabetes", "hepatitis B")."""
    wording = _wording()
    if _last_word(label) not in wording.counted_nouns:
        return label
    first_word = label.split()[0]
    if first_word.isupper() and len(first_word) > 1:  # an abbreviation said letter by letter: "an MRI scan"
        vowel = first_word[0] in _VOWEL_SOUNDING_LETTERS
    else:
        first = label.casefold()
        vowel = first[:1] in "aeiou" and not first.startswith(wording.a_not_an)
    return f"{'an' if vowel else 'a'} {label}"


#: Letters whose names start with a vowel sound ("an F", "an MRI").
_VOWEL_SOUNDING_LETTERS = frozenset("AEFHILMNORSX")


@lru_cache(maxsize=8192)
def _medication_question(context: str, concept: str | None, term: str, within: tuple[float, str] | None) -> Question:
    when = f" in the last {within[0]:g} {within[1]}s" if within else ""
    verb = "taken" if context == "historical" or when else "take"
    label = _label("medication", concept, term)
    text = f"Have you {verb} {label}{when}?" if verb == "taken" else f"Do you take {label}?"
    return Question(id=f"medication:{concept or slug(term)}", text=text, kind="yes_no")


@lru_cache(maxsize=8192)
def _procedure_question(concept: str | None, term: str) -> Question:
    return Question(id=f"procedure:{concept or slug(term)}",
                    text=f"Have you had {with_article(_label('procedure', concept, term))}?", kind="yes_no")


def questions_for(parsed: ParsedEligibility | list[ParsedCriterion], include_review: bool = False) -> list[Question]:
    """Every question a trial's criteria need, once each, in criterion order.

    Items the parser could not read are added (as optional yes/no questions quoting
    the criterion) only when ``include_review`` is True.
    """
    items = parsed.all() if isinstance(parsed, ParsedEligibility) else parsed
    seen: dict[str, Question] = {}
    for pc in items:
        for c in pc.constraints:
            if isinstance(c, NeedsReview) and not include_review:
                continue
            for q in questions_for_constraint(c, pc.criterion.index):
                seen.setdefault(q.id, q)
    return list(seen.values())
