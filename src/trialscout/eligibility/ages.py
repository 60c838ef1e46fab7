"""Age limits read from criteria text ("Age range from 18 to 65 years old", ">= 18 years of age").

Works on text already passed through ``text.normalize`` (comparators are symbols) and
returns ``Found`` items (the constraint and its span).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .constraints import AgeConstraint
from .measures import COMP, NUM, Found
from .phrasematch import word_set
from .ruleset import cue_first_words, cue_matcher, load_rules_file
from .text import parse_number

_AGE_UNIT = r"(?:years?|yrs?|y\.?o\.?|months?|mos?)"
_AGE_RANGE = re.compile(
    rf"\b(?:age[sd]?|age\s+range|age\s+group)\b\s*(?::|of|is|was|from|between|range|ranging|range\s+from)?\s*(?:from|between)?\s*"
    rf"(?P<lo>{NUM})\s*(?P<lou>{_AGE_UNIT})?\s*(?:-|to|and|~)\s*(?:(?P<hic><=?)\s*)?(?P<hi>{NUM})\s*(?P<hiu>{_AGE_UNIT})?", re.I)
_AGE_RANGE_TAIL = re.compile(
    rf"(?:\bbetween\s+|\bfrom\s+)?(?:(?P<loc>>=?)\s*)?(?P<lo>{NUM})\s*(?P<lou>{_AGE_UNIT})?\s*(?:-|to|and|~)\s*(?:(?P<hic><=?)\s*)?(?P<hi>{NUM})\s*"
    rf"(?P<hiu>{_AGE_UNIT})(?:\s*(?:of\s+age|old|of\s+life)|-old)?", re.I)
_AGE_COMP = re.compile(rf"\b(?:age[sd]?)\b\s*(?::|of|is|was|must\s+be|should\s+be)?\s*(?P<comp>{COMP})\s*(?P<v>{NUM})"
                       rf"\s*(?P<u>{_AGE_UNIT})?", re.I)
_AGE_COMP_TAIL = re.compile(rf"(?P<comp>{COMP})\s*(?P<v>{NUM})\s*(?:(?P<u>{_AGE_UNIT})\b(?:\s*(?:of\s+age|old|-old))?|of\s+age\b)"
                            r"(?!\s*(?:ago|prior|before|after|since|earlier|later|previously|duration|follow))", re.I)
# The age in the middle: "18 <= age <= 75 years", "18 years <= age < 65", "18 < age" (also right after a list
# number that lost its space: "1.18 <= age and above").
_AGE_REVERSED = re.compile(
    rf"(?:(?<![\d.,])|(?<=^\d\.)|(?<=^\d\d\.))(?P<lo>\d+)\s*(?P<lou>{_AGE_UNIT})?\s*(?P<loc><=?)\s*(?:the\s+)?age[sd]?\b(?!-)"
    rf"(?:\s*(?P<hic><=?)\s*(?P<hi>{NUM})\s*(?P<hiu>{_AGE_UNIT})?)?", re.I)
_DURATION_BEFORE = re.compile(r"\b(?:for|since|within|past|last|course|duration|lasting|after|before|prior|during|"
                              r"history|previous|treatment|diagnosed|onset|diagnosis|interval|period)\b[^<>=]{0,12}$", re.I)


_DIGIT = re.compile(r"\d")


def _years(value: float, unit: str | None) -> float:
    return value / 12.0 if unit and unit.lower().startswith("mo") else value


_EXPLICIT = re.compile(r"(?i)(?:of\s+age|old|of\s+life)$")
_PERSON = (r"(?:patients?|subjects?|participants?|children|child|adults?|adolescents?|women|men|woman|man|males?|"
           r"females?|persons?|individuals|people|volunteers?|girls?|boys?|infants?|those|donors?|recipients?)")
# A bare "N years" (no "of age" / "old") is an age only right after who it is about: "Patients >= 18 years",
# "Male or female >= 18 years", "Subject is >= 6 years", or alone at the start of the criterion.
_BARE_LEAD = re.compile(rf"(?i)(?:^|\b(?:age[sd]?|{_PERSON})\b\s*[,:]?\s*(?:(?:who\s+|that\s+)?(?:are|is|be|must\s+be)\s+)?)"
                        r"(?:between\s+|from\s+)?$")
_BARE_TAIL = re.compile(r"(?i)\s*(?:at\s+(?:the\s+)?time\s+of\s+(?:inclusion|enrol?lment|entry|consent|screening|"
                        r"signing|randomi[sz]ation|registration)|at\s+(?:study\s+|trial\s+)?(?:entry|enrol?lment|"
                        r"screening|inclusion))")
_NOT_BARE_AGE = re.compile(r"(?i)\s*(?:of\s+(?!age)|history|without|post|duration|since|ago|in\s+remission|remission|"
                           r"follow|survival|interval|elapsed|prior|before|after|from\s+(?:the\s+)?(?:last|first|previous))")
# Ages that are not the participant's bound: a condition on a sub-group or another rule ("if aged >= 18",
# "for patients < 16 years old", "only applicable to subjects age 11 and older", "defined as"), an age at an
# event ("onset ... at <= 50 years of age", "family history of sudden death < 40 years of age", "< 50 years of
# age at the time of migraine onset"), the age bands of a performance scale ("Lansky (< 16 years)"), and the
# ages in a definition of menopause.
_CONDITION_LEAD = re.compile(
    rf"(?i)\b(?:(?:if|when|whilst|while|for|(?:only\s+)?applicable\s+(?:only\s+)?to(?:\s+only)?|applies\s+(?:only\s+)?to|"
    rf"defined\s+as|considered)\s+(?:(?:the|all|female|male)\s+)?(?:(?:[\w-]+\s+){{0,5}}?{_PERSON}\s+)?"
    rf"|in\s+(?:(?:the|all|female|male)\s+)?{_PERSON}\s+)"
    r"(?:(?:who\s+are|that\s+are|aged?|age[sd]?)\s+)?$")
_EVENT_WORDS = re.compile(r"(?i)\b(?:onset|diagnos\w*|symptoms?|death|died|menarche|menopause|family\s+history)\b")
_EVENT_AFTER = re.compile(r"(?i)\s*(?:at|before|by)\s+(?:the\s+)?(?:time\s+of\s+)?(?:[\w-]+\s+){0,3}?"
                          r"(?:onset|diagnosis|death|menarche|menopause)\b")
_SCALE_WORDS = re.compile(r"(?i)\b(?:lansky|karnofsky|karnovsky|ecog|performance\s+status|play\s+score)\b")
_MENOPAUSE_DEFINITION = re.compile(r"(?i)amenorrh|menstruat|^(?=.*menopaus)(?=.*\b(?:defined|definition|consider(?:ed)?)\b)")


def _clause_before(text: str, start: int, stops: str) -> str:
    """The words before ``start`` back to the nearest clause mark in ``stops`` (at most 80 characters)."""
    lead = text[max(0, start - 80):start]
    cut = max(lead.rfind(c) for c in stops)
    return lead[cut + 1:] if cut >= 0 else lead


def _words(items: list[str]) -> str:
    """One regex alternation of ``items`` (longest first, spaces match any run of spaces)."""
    return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(items, key=len, reverse=True))


@dataclass(frozen=True)
class _AgeRules:
    """The word lists of ``rules/ages.json`` as regexes (see that file's ``_about``)."""

    thing_before: re.Pattern[str]
    other_people: re.Pattern[str]
    other_people_after: re.Pattern[str]
    arm_label: re.Pattern[str]
    scope: re.Pattern[str]
    age_at_event: re.Pattern[str]
    requirement_after: re.Pattern[str]


@lru_cache(maxsize=1)
def _age_rules() -> _AgeRules:
    data = load_rules_file("ages.json")
    things, people = _words(data["things_with_an_age"]), _words(data["other_people"])
    arms, guardians = _words(data["arm_labels"]), _words(data["guardian_words"])
    requires, enrolment = _words(data["requirement_words"]), _words(data["enrolment_words"])
    obliged = _words(data["obligation_words"])
    return _AgeRules(
        # "seen on an MRI < 6 months old", "tissue block that is <= 2 years old"
        thing_before=re.compile(rf"(?i)\b(?:{things})\s*(?:(?:that|which)\s+(?:is|are|was|were)\s+)?$"),
        # "prolonged QT of immediate family members under the age of 40" (not "Family members must be >= 2")
        other_people=re.compile(rf"(?i)\b(?:of|in|among|by|from|with)\s+(?:[\w-]+\s+){{0,3}}?(?:{people})\b"),
        # "< 55 years of age in male first-degree relatives"
        other_people_after=re.compile(rf"(?i)\s*(?:years?|yrs?)?\s*(?:of\s+age|old)?\s*(?:in|of|among)\s+"
                                      rf"(?:[\w-]+\s+){{0,2}}(?:{people})\b"),
        # "Pediatric arm: aged 1 to 17", "Cohort B: >= 12 years" (a label with no "age" in it)
        arm_label=re.compile(rf"(?i)^\s*(?:(?!age)[\w-]+\s+){{0,3}}(?:{arms})(?:\s+[A-Za-z0-9]{{1,3}})?\s*[:)]"),
        # "Subjects aged <= 17 years must have a parent, guardian or legally authorized representative ...",
        # "... 7 - 17 years of age must ... provide ... assent" (the obligation right after the age)
        scope=re.compile(rf"(?i)(?:\s*(?:years?|yrs?|of\s+age|old)\b)*\s*(?:{obliged})\b[^.;]*\b(?:{guardians})\b"),
        # "Age at HSCT <= 21 years" (not "age at enrolment", "age at the time of consent")
        age_at_event=re.compile(rf"(?i)\bage\s+at\s+(?!(?:the\s+)?(?:{enrolment})\b)(?:[\w-]+\s+){{1,4}}$"),
        # "Patients under 6 years old must weigh ...", "Patients aged < 60 years who ... may be eligible"
        requirement_after=re.compile(rf"(?i)[^.;]*?\b(?:{requires})\b"),
    )


_PERSON_BEFORE = re.compile(rf"(?i)\b{_PERSON}\s*(?:aged?|age[sd]?)?\s*$")
# A sentinel sub-group named before the age: "First 2 enrolled subjects: age >= 18 and <= 30 years".
_FIRST_FEW = re.compile(rf"(?i)(?:^|[.;]\s*)(?:the\s+)?first\s+(?:\d+|two|three|four|five|six|ten)\s+(?:[\w-]+\s+){{0,2}}"
                        rf"{_PERSON}\s*:\s*(?:aged?|age[sd]?)?\s*$")
_LABEL_COLON = re.compile(r"(?i)\s*(?:years?|yrs?|months?|of\s+age|old)?\s*:\s*"
                          r"(?!(?:with|without|who|whose|and|or|having|of|in|on)\b)(?:\S+\s+){2}")


def _scoped_by_a_label(text: str, start: int, end: int) -> bool:
    """An arm's age ("Adult arm: aged >= 12"), a sentinel group's ("First 2 enrolled subjects: age >= 18"),
    or an age that labels who a criterion applies to ("Subjects age 11 and older: Subject is known to be
    pregnant ...")."""
    if _age_rules().arm_label.match(text[:start]) or _FIRST_FEW.search(text[max(0, start - 80):start]):
        return True
    if not _PERSON_BEFORE.search(text[max(0, start - 40):start]):
        return False  # "Age >= 18 years: male or female" is a limit
    return _LABEL_COLON.match(text, end) is not None


def _not_the_participants(text: str, start: int, end: int) -> bool:
    """True when the age at ``text[start:end]`` qualifies something else than who may join (see above)."""
    lead = _clause_before(text, start, ";:.(")
    if _CONDITION_LEAD.search(lead):
        return True
    rules = _age_rules()
    if _scoped_by_a_label(text, start, end) or rules.thing_before.search(text[max(0, start - 60):start]) \
            or rules.age_at_event.search(lead) or rules.scope.match(text, end):
        return True
    near = _clause_before(text, start, ";:.(,")
    last = " ".join(near.split()[-5:])
    if rules.other_people.search(" ".join(near.split()[-7:])) or rules.other_people_after.match(text, end):
        return True
    if not _BARE_TAIL.match(text, end) and (_EVENT_WORDS.search(last) or _EVENT_AFTER.match(text, end)):
        return True  # "... at the time of first diagnosis and < 21 years at the time of inclusion": the age now
    return bool(_SCALE_WORDS.search(_clause_before(text, start, ";,")) or _MENOPAUSE_DEFINITION.search(text))


def _for_subgroups(found: list[Found], text: str) -> list[Found]:
    """Drop ages that pick a sub-group for a requirement: in one criterion, bounds that no one could meet
    together ("Patients under 6 years old must weigh >= 7 kg. Patients over 6 years old must weigh >= 10 kg")
    describe different people; those followed by a requirement ("must", "may be eligible") are dropped."""
    lows = [f for f in found if f.item.comparator in (">", ">=")]  # type: ignore[union-attr]
    highs = [f for f in found if f.item.comparator in ("<", "<=")]  # type: ignore[union-attr]
    apart = {id(f) for lo in lows for hi in highs if lo.item.value >= hi.item.value  # type: ignore[union-attr]
             for f in (lo, hi)}
    if not apart:
        return found
    rule = _age_rules().requirement_after
    return [f for f in found if id(f) not in apart or not rule.match(text, f.end)]


_BEING = re.compile(r"(?i)^\s*(?:be|being|is|are|aged?)\b")
_AGE_OR_PERSON = re.compile(rf"(?i)\b(?:age[sd]?|{_PERSON})\b")
_DURATION_NOUN = re.compile(
    r"(?i)\b(?:expectancy|survival|history|remission|duration|follow|treatment|therapy|disease|pain|symptoms?|"
    r"interval|period|course|stable|response|prognosis|transplant\w*|surgery|diagnos\w*|onset|smok\w*|abstinen\w*|"
    r"lived|living|resid\w*|experience|use|using|taking|exposure|since|ago|lasting|months?|weeks?|days?|"
    r"\w*menopaus\w*|menses|free|relapse\w*|steril\w*)\b")


def _bare_age(text: str, start: int, end: int, unit: str | None) -> bool:
    """A comparator and "N years" with no "of age"/"old": an age only where the words around say so.

    Right after who it is about ("Patients >= 18 years", "Male or female >= 18 years"), at the start
    ("Being >= 18 years"), before "at the time of enrolment", or, in years, in a clause that names
    an age or a person and no duration ("Age group of 20-45 years", not "Patients with a life
    expectancy of > 3 months").
    """
    if _NOT_BARE_AGE.match(text, end):
        return False
    if _BARE_LEAD.search(text[max(0, start - 60):start]) or _BARE_TAIL.match(text, end):
        return True
    clause = _clause_before(text, start, ";:.(")
    if unit is not None and not unit.lower().startswith("y"):
        return False
    if _DURATION_NOUN.search(" ".join(clause.split()[-6:])):
        return False
    return bool(_BEING.match(clause) or _AGE_OR_PERSON.search(clause))


#: Cue lists that tell a bare number range ("18-65") in a criterion is an age ("aged", "adults", "children").
_AGE_CUES = ("age_words", "adult", "child", "person")


def find_ages(text: str, original: str) -> list[Found]:
    """Age limits ("Age range from 18 to 65 years old", ">= 18 years of age", "< 20 years old").

    A range keeps which ends are exclusive ("18 to < 65 years": 65 is not included). Ages that
    are not the participant's bound (a sub-group's rule, an age at onset, a scale's age bands)
    are read but give no constraint.
    """
    found: list[Found] = []
    if not _DIGIT.search(text):
        return found  # every age pattern needs a number
    cue_cache: list[bool] = []

    def has_cue() -> bool:
        if not cue_cache:
            cue_cache.append(not cue_first_words(_AGE_CUES).isdisjoint(word_set(original))
                             and any(cue_matcher(name).search(original) for name in _AGE_CUES))
        return cue_cache[0]

    taken: list[tuple[int, int]] = []

    def add(start: int, end: int, constraint: AgeConstraint) -> None:
        if any(s < end and start < e for s, e in taken):
            return
        taken.append((start, end))
        if not _not_the_participants(text, start, end):
            found.append(Found(start, end, constraint))

    for m in _AGE_REVERSED.finditer(text):
        lo, hi = parse_number(m["lo"]), parse_number(m["hi"]) if m["hi"] else None
        if lo is None or (m["hi"] and hi is None):
            continue
        lo_y = _years(lo, m["lou"] or m["hiu"])
        if hi is None:
            add(m.start(), m.end(), AgeConstraint(comparator=">" if m["loc"] == "<" else ">=", value=lo_y,
                                                  text=m.group(0)))
        elif lo_y <= _years(hi, m["hiu"]) <= 130:
            add(m.start(), m.end(), AgeConstraint(
                comparator="between", value=lo_y, upper=_years(hi, m["hiu"]), text=m.group(0),
                lower_exclusive=m["loc"] == "<", upper_exclusive=m["hic"] == "<"))
    for rx in (_AGE_RANGE, _AGE_RANGE_TAIL):
        for m in rx.finditer(text):
            if rx is _AGE_RANGE_TAIL and not _EXPLICIT.search(m.group(0)):
                before = text[max(0, m.start() - 30):m.start()]
                if not has_cue() or _DURATION_BEFORE.search(before) or not _bare_age(text, m.start(), m.end(), m["hiu"]):
                    continue
            lo, hi = parse_number(m["lo"]), parse_number(m["hi"])
            if lo is None or hi is None:
                continue
            unit_hi = m["hiu"]
            unit_lo = m["lou"] or unit_hi
            lo_y, hi_y = _years(lo, unit_lo), _years(hi, unit_hi)
            if lo_y <= hi_y <= 130:
                add(m.start(), m.end(), AgeConstraint(
                    comparator="between", value=lo_y, upper=hi_y, text=m.group(0),
                    lower_exclusive=(m.groupdict().get("loc") == ">"), upper_exclusive=(m["hic"] == "<")))
    for rx in (_AGE_COMP, _AGE_COMP_TAIL):
        for m in rx.finditer(text):
            if rx is _AGE_COMP_TAIL:
                before = text[max(0, m.start() - 30):m.start()]
                if not has_cue() or (_DURATION_BEFORE.search(before) and not _BARE_TAIL.match(text, m.end())
                                     and not re.search(r"\bage[sd]?\s*(of)?\s*$", before, re.I)):
                    continue
                if not _EXPLICIT.search(m.group(0).rstrip()) and not _bare_age(text, m.start(), m.end(), m["u"]):
                    continue
            v = parse_number(m["v"])
            if v is None or v > 130:
                continue
            add(m.start(), m.end(), AgeConstraint(comparator=m["comp"], value=_years(v, m["u"]), text=m.group(0)))
    return _for_subgroups(found, text) if len(found) > 1 else found
