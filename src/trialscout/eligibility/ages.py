"""Age limits read from criteria text ("Age range from 18 to 65 years old", ">= 18 years of age").

Works on text already passed through ``text.normalize`` (comparators are symbols) and
returns ``Found`` items (the constraint and its span).
"""

from __future__ import annotations

import re

from .constraints import AgeConstraint
from .measures import COMP, NUM, Found
from .ruleset import cue_matcher
from .text import parse_number

_AGE_UNIT = r"(?:years?|yrs?|y\.?o\.?|months?|mos?)"
_AGE_RANGE = re.compile(
    rf"\b(?:age[sd]?|age\s+range)\b\s*(?::|of|is|was|from|between|range|ranging|range\s+from)?\s*(?:from|between)?\s*"
    rf"(?P<lo>{NUM})\s*(?P<lou>{_AGE_UNIT})?\s*(?:-|to|and|~)\s*(?:(?P<hic><=?)\s*)?(?P<hi>{NUM})\s*(?P<hiu>{_AGE_UNIT})?", re.I)
_AGE_RANGE_TAIL = re.compile(
    rf"(?:\bbetween\s+|\bfrom\s+)?(?:(?P<loc>>=?)\s*)?(?P<lo>{NUM})\s*(?P<lou>{_AGE_UNIT})?\s*(?:-|to|and|~)\s*(?:(?P<hic><=?)\s*)?(?P<hi>{NUM})\s*"
    rf"(?P<hiu>{_AGE_UNIT})(?:\s*(?:of\s+age|old|of\s+life)|-old)?", re.I)
_AGE_COMP = re.compile(rf"\b(?:age[sd]?)\b\s*(?::|of|is|was|must\s+be|should\s+be)?\s*(?P<comp>{COMP})\s*(?P<v>{NUM})"
                       rf"\s*(?P<u>{_AGE_UNIT})?", re.I)
_AGE_COMP_TAIL = re.compile(rf"(?P<comp>{COMP})\s*(?P<v>{NUM})\s*(?P<u>{_AGE_UNIT})\b(?:\s*(?:of\s+age|old|-old))?"
                            r"(?!\s*(?:ago|prior|before|after|since|earlier|later|previously|duration|follow))", re.I)
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
    rf"(?i)\b(?:(?:if|when|whilst|while|for|applicable\s+to|applies\s+to|defined\s+as|considered)\s+"
    rf"(?:(?:the|all|female|male)\s+)?(?:{_PERSON}\s+)?|in\s+(?:(?:the|all|female|male)\s+)?{_PERSON}\s+)"
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


def _not_the_participants(text: str, start: int, end: int) -> bool:
    """True when the age at ``text[start:end]`` qualifies something else than who may join (see above)."""
    lead = _clause_before(text, start, ";:.(")
    if _CONDITION_LEAD.search(lead):
        return True
    near = _clause_before(text, start, ";:.(,")
    if _EVENT_WORDS.search(" ".join(near.split()[-5:])) or _EVENT_AFTER.match(text, end):
        return True
    return bool(_SCALE_WORDS.search(_clause_before(text, start, ";,")) or _MENOPAUSE_DEFINITION.search(text))


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
            cue_cache.append(bool(cue_matcher("age_words").search(original) or cue_matcher("adult").search(original)
                                  or cue_matcher("child").search(original) or cue_matcher("person").search(original)))
        return cue_cache[0]

    taken: list[tuple[int, int]] = []

    def add(start: int, end: int, constraint: AgeConstraint) -> None:
        if any(s < end and start < e for s, e in taken):
            return
        taken.append((start, end))
        if not _not_the_participants(text, start, end):
            found.append(Found(start, end, constraint))

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
                if not has_cue() or (_DURATION_BEFORE.search(before) and not re.search(r"\bage[sd]?\s*(of)?\s*$", before, re.I)):
                    continue
                if not _EXPLICIT.search(m.group(0).rstrip()) and not _bare_age(text, m.start(), m.end(), m["u"]):
                    continue
            v = parse_number(m["v"])
            if v is None or v > 130:
                continue
            add(m.start(), m.end(), AgeConstraint(comparator=m["comp"], value=_years(v, m["u"]), text=m.group(0)))
    return found
