"""Who can join, in plain words: ages, sex, healthy volunteers, key thresholds, main exclusions.

Criteria are split by the eligibility engine (``trialscout.eligibility.criteria``) when it
is installed, so this page and the eligibility check read the same items; otherwise by a
conservative splitter here. Thresholds are taken only where a lab term of the glossary is
followed closely by a comparison and a number, so nothing is guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from .glossary import Entry
from .models import WhoCanJoin
from .reading import Reading
from .resources import Resources
from .simplify import simplify_item
from .templates import Templates
from .grounding import unit_key
from .text import NUMBER, normalize

MAX_THRESHOLDS = 3
MAX_NEEDS = 3
MAX_CANNOT = 5
#: Criteria read for thresholds: key limits come early; a list of hundreds says nothing more.
MAX_ITEMS_READ = 60
_DIGIT = re.compile(r"\d")
_RELATIVE = re.compile(r"\s*(?:[x×*](?![a-z])|times\b|fold\b|-fold\b|folds\b)", re.IGNORECASE)
_NOT_LAB_UNITS = frozenset({"day", "week", "month", "year", "hour", "minute", "second", "time", "dose", "cycle",
                            "session", "visit", "tablet", "capsule", "puff", "drops", "injection", "infusion"})
_MARKER = re.compile(r"^\s*(?:[-*•·▪◦‣]|\(?\d{1,2}[.)]|\(?[a-z][.)])\s+")


@dataclass(frozen=True)
class Item:
    kind: str  # inclusion | exclusion
    text: str


def criteria_items(text: str, templates: Templates) -> list[Item]:
    """Top-level criteria (and the items under a heading-only criterion), in order."""
    try:
        from ..eligibility.criteria import split_criteria
    except ImportError:
        return _split_simple(text, templates)
    parsed = split_criteria(text)
    headings = {c.index for c in parsed if c.text.rstrip().endswith(":")}
    return [Item(c.kind, c.text) for c in parsed if c.parent is None or c.parent in headings]


def _split_simple(text: str, templates: Templates) -> list[Item]:
    reading = templates.raw("reading")
    kind = "inclusion"
    items: list[Item] = []
    for raw in normalize_lines(text):
        lower = raw.lower()
        if raw.endswith(":") and len(raw.split()) <= 6:
            if any(w in lower for w in reading["exclusion_words"]):
                kind = "exclusion"
                continue
            if any(w in lower for w in reading["inclusion_words"]):
                kind = "inclusion"
                continue
        body = _MARKER.sub("", raw).strip()
        if body:
            items.append(Item(kind, body))
    return items


def normalize_lines(text: str) -> list[str]:
    return [normalize(line) for line in text.splitlines() if line.strip()]


def who_can_join(r: Reading, res: Resources) -> WhoCanJoin:
    t = res.templates
    trial = r.trial
    who = WhoCanJoin(basics=_basics(r, res))
    criteria = trial.eligibility.criteria
    if not criteria:
        return who
    items = criteria_items(criteria, t)
    used: set[int] = set()
    counts = {"inclusion": 0, "exclusion": 0}
    for n, item in enumerate(items[:MAX_ITEMS_READ]):
        if counts[item.kind] >= MAX_THRESHOLDS:
            continue
        phrase = threshold_phrase(item.text, res)
        if phrase:
            key = "who.threshold_in" if item.kind == "inclusion" else "who.threshold_out"
            sentence = t(key, threshold=phrase)
            if sentence not in who.thresholds:
                who.thresholds.append(sentence)
                counts[item.kind] += 1
                used.add(n)
    age_words = tuple(t.raw("reading.age_words"))
    for n, item in enumerate(items):
        if len(who.needs) >= MAX_NEEDS and len(who.cannot) >= MAX_CANNOT:
            break
        if n in used:
            continue
        target = who.needs if item.kind == "inclusion" else who.cannot
        limit = MAX_NEEDS if item.kind == "inclusion" else MAX_CANNOT
        if len(target) >= limit:
            continue
        line = simplify_item(item.text, res)
        if not line or line in target:
            continue
        if item.kind == "inclusion" and _only_age(line, age_words):
            continue
        target.append(line)
    if who.needs:
        who.needs_heading = t("who.needs_heading")
    if who.cannot:
        who.cannot_heading = t("who.cannot_heading")
    return who


def _only_age(line: str, age_words: tuple[str, ...]) -> bool:
    lower = line.lower()
    return any(re.search(rf"(?<!\w){re.escape(w)}(?!\w)", lower) for w in age_words) and len(lower.split()) <= 10


def _basics(r: Reading, res: Resources) -> list[str]:
    t = res.templates
    e = r.trial.eligibility
    out = []
    if e.minimum_age and e.maximum_age:
        low = str(e.minimum_age)
        if e.minimum_age.unit == e.maximum_age.unit:
            value = e.minimum_age.value
            low = str(int(value)) if value == int(value) else str(value)
        out.append(t("who.ages_range", min=low, max=str(e.maximum_age)))
    elif e.minimum_age:
        out.append(t("who.ages_min", min=str(e.minimum_age)))
    elif e.maximum_age:
        out.append(t("who.ages_max", max=str(e.maximum_age)))
    if e.sex and t.has(f"who.sex_{e.sex}"):
        out.append(t(f"who.sex_{e.sex}"))
    if e.healthy_volunteers is True:
        out.append(t("who.healthy_yes"))
    elif e.healthy_volunteers is False:
        condition = r.conditions[0] if r.conditions else None
        out.append(t("who.healthy_no", condition=condition) if condition else t("who.healthy_no_condition"))
    return out


# --- thresholds --------------------------------------------------------------------------


@cache
def _patterns(templates: Templates, units: tuple[str, ...]) -> tuple[re.Pattern[str], re.Pattern[str]]:
    reading = templates.raw("reading")
    comparators = sorted(reading["comparators"], key=len, reverse=True)
    cmp = "|".join(rf"(?<!\w){re.escape(c)}(?!\w)" if c[0].isalpha() else re.escape(c) for c in comparators)
    unit = "|".join(re.escape(u) for u in units)
    uln = "|".join(re.escape(u) for u in sorted(reading["times_upper_limit"], key=len, reverse=True))
    num = NUMBER.pattern
    value = rf"(?P<num>{num})\s*(?:(?P<uln>{uln})(?!\w)|(?P<unit>{unit})(?![\w/]))?"
    single = re.compile(rf"^[^\d;.]{{0,30}}?(?P<cmp>{cmp})\s*{value}", re.IGNORECASE)
    joiners = "|".join(re.escape(j) for j in reading["range_joiners"])
    openers = "|".join(re.escape(o) for o in sorted(reading["range_openers"], key=len, reverse=True))
    span = (rf"^[^\d;.]{{0,30}}?(?:(?<!\w)(?:{openers})\s+)(?P<low>{num})\s*(?P<lowunit>{unit})?(?![\w/])\s*"
            rf"(?:{joiners})\s*(?P<high>{num})\s*(?P<highunit>{unit})?(?![\w/])")
    return single, re.compile(span, re.IGNORECASE)


def threshold_phrase(text: str, res: Resources) -> str | None:
    """ "Total bilirubin (TBil) ≥ 171μmol/L" → "bilirubin, a marker of …, of at least 171 μmol/L"."""
    t = res.templates
    if not _DIGIT.search(text):
        return None
    line = normalize(text)
    labs = res.glossary.find(line, kinds=("lab",))
    if not labs:
        return None
    single, span = _patterns(t, _threshold_units(res))
    lab = labs[0]
    tail = line[lab.end:lab.end + 120]
    comparison = None
    m = span.match(tail)
    if m:
        low = _value(m.group("low"), m.group("lowunit"))
        high = _value(m.group("high"), m.group("highunit"))
        comparison = t("who.between", low=low, high=high)
    else:
        m = single.match(tail)
        if m:
            op = _comparator(m.group("cmp"), t)
            if op is None:
                return None
            if not m.group("uln") and _RELATIVE.match(tail[m.end():]):
                return None  # "1.5 times of upper limit…" in words we do not know: say nothing
            if m.group("uln"):
                value = t("who.times_upper_limit", value=m.group("num"))
            else:
                value = _value(m.group("num"), m.group("unit"))
            key = {">=": "who.at_least", ">": "who.more_than", "<=": "who.at_most", "<": "who.less_than"}[op]
            comparison = t(key, value=value)
    if comparison is None:
        return None
    return _name_phrase(lab.entry, comparison, t)


@cache
def _threshold_units_of(units: tuple[str, ...]) -> tuple[str, ...]:
    """Units a lab value can have: not durations or counts of times ("for at least 6 weeks")."""
    return tuple(u for u in units if unit_key(u) not in _NOT_LAB_UNITS)


def _threshold_units(res: Resources) -> tuple[str, ...]:
    return _threshold_units_of(res.lexicon.units)


def _comparator(word: str, t: Templates) -> str | None:
    table = {k.lower(): v for k, v in t.raw("reading.comparators").items()}
    return table.get(word.lower().strip())


def _value(number: str, unit: str | None) -> str:
    return f"{number} {unit.strip()}" if unit and unit.strip() not in {"%"} else f"{number}{unit or ''}"


def _name_phrase(entry: Entry, comparison: str, t: Templates) -> str:
    if entry.explain:
        return t("who.threshold", name=entry.plain, explain=entry.explain, comparison=comparison)
    return t("who.threshold_bare", name=entry.plain, comparison=comparison)

