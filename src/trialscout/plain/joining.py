"""Who can join, in plain words: ages, sex, healthy volunteers, key thresholds, main exclusions.

Criteria are split by the eligibility engine (``trialscout.eligibility.criteria``) when it
is installed, so this page and the eligibility check read the same items; otherwise by a
conservative splitter here. Thresholds are taken only where a lab term of the glossary is
followed closely by a comparison and a number, so nothing is guessed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
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
MAX_CANNOT = 4
#: Criteria read for thresholds: key limits come early; a list of hundreds says nothing more.
MAX_ITEMS_READ = 60
_DIGIT = re.compile(r"\d")
_WORD = re.compile(r"\w+")
_RELATIVE = re.compile(r"\s*(?:[x×*](?![a-z])|times\b|fold\b|-fold\b|folds\b)", re.IGNORECASE)
_NOT_LAB_UNITS = frozenset({"day", "week", "month", "year", "hour", "minute", "second", "time", "dose", "cycle",
                            "session", "visit", "tablet", "capsule", "puff", "drops", "injection", "infusion"})
_NEXT_WORD = re.compile(r"\s*([^\W\d_][\w/^.]*)")
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
    return top_items((c.kind, c.text, c.index, c.parent) for c in split_criteria(text))


def top_items(criteria: Iterable[tuple[str, str, int, int | None]]) -> list[Item]:
    """The items this page reads from the eligibility engine's criteria, given as
    ``(kind, text, index, parent)``: top-level ones and those under a heading-only criterion."""
    rows = list(criteria)
    headings = {index for _, text, index, _ in rows if text.rstrip().endswith(":")}
    return [Item(kind, text) for kind, text, _, parent in rows if parent is None or parent in headings]


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


def who_can_join(r: Reading, res: Resources, items: Sequence[Item] | None = None) -> WhoCanJoin:
    """The section; ``items`` are the record's criteria as already split (the stored eligibility
    parse), else the eligibility text is split here."""
    t = res.templates
    trial = r.trial
    who = WhoCanJoin(basics=_basics(r, res))
    criteria = trial.eligibility.criteria
    if not criteria:
        return who
    if items is None:
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
    age_words = _age_words(t)
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
        if _only_age(line, age_words) or _repeats(line, target):
            continue  # the ages are said above; a line whose words an earlier one has says nothing new
        target.append(line)
    if who.needs:
        who.needs_heading = t("who.needs_heading")
    if who.cannot:
        who.cannot_heading = t("who.cannot_heading")
    return who


def _repeats(line: str, earlier: list[str]) -> bool:
    """Every word of ``line`` is in one earlier line ("Infection" after "Infection of the belly fluid")."""
    words = set(_WORD.findall(line.lower()))
    return any(words <= set(_WORD.findall(e.lower())) for e in earlier)


@cache
def _age_words(templates: Templates) -> re.Pattern[str]:
    words = "|".join(re.escape(w) for w in templates.raw("reading.age_words"))
    return re.compile(rf"(?<!\w)(?:{words})(?!\w)")


def _only_age(line: str, age_words: re.Pattern[str]) -> bool:
    lower = line.lower()
    return age_words.search(lower) is not None and len(lower.split()) <= 10


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


@cache
def _comparison_words(templates: Templates) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """Any comparison or range opener, anywhere: a threshold cannot be read without one. Two patterns
    for the same words, as written (fast; nearly every line that has one writes it so) and in any case."""
    reading = templates.raw("reading")
    words = "|".join(re.escape(w) for w in sorted([*reading["comparators"], *reading["range_openers"]],
                                                  key=len, reverse=True))
    return re.compile(words), re.compile(words, re.IGNORECASE)


def _has_comparison(line: str, templates: Templates) -> bool:
    as_written, any_case = _comparison_words(templates)
    return as_written.search(line) is not None or any_case.search(line) is not None


def threshold_phrase(text: str, res: Resources) -> str | None:
    """ "Total bilirubin (TBil) ≥ 171μmol/L" → "bilirubin, a marker of …, of at least 171 μmol/L"."""
    t = res.templates
    if not _DIGIT.search(text):
        return None
    line = normalize(text)
    if not _has_comparison(line, t):
        return None  # no comparison and no range: no threshold, whatever lab it names
    labs = res.glossary.find(line, kinds=("lab",))
    if not labs:
        return None
    single, span = _patterns(t, _threshold_units(res))
    lab = labs[0]
    for later in labs[1:]:  # "PT INR > 2.0": the value belongs to the name next to it
        if later.entry is not lab.entry and later.start >= lab.end and not line[lab.end:later.start].strip():
            lab = later
    tail = line[lab.end:lab.end + 120]
    comparison = None
    m = span.match(tail)
    units = res.lexicon.units
    if m and ((not m.group("lowunit") and _unit_left_out(tail, m.end("low"), units))
              or (not m.group("highunit") and _unit_left_out(tail, m.end("high"), units))):
        return None  # the value has a unit we cannot state: no number rather than a misleading one
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
            if _change_words(t).search(tail[:m.start("cmp")]):
                return None  # "PT prolongation greater than 3 seconds": a change, not a level
            if not (m.group("uln") or m.group("unit")) and _unit_left_out(tail, m.end("num"), units):
                return None  # "3 seconds": a unit we cannot state, so no number at all
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


def _unit_left_out(tail: str, end: int, units: tuple[str, ...]) -> bool:
    """The number ending at ``end`` is followed by a unit the phrase would not carry."""
    m = _NEXT_WORD.match(tail, end)
    if m is None:
        return False
    word = m.group(1).lower()
    return "/" in word or word in units or unit_key(word) in _NOT_LAB_UNITS


@cache
def _change_words(templates: Templates) -> re.Pattern[str]:
    words = templates.raw("reading.change_words")
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(w) for w in words) + ")", re.IGNORECASE)


@cache
def _threshold_units_of(units: tuple[str, ...]) -> tuple[str, ...]:
    """Units a lab value can have: not durations or counts of times ("for at least 6 weeks")."""
    return tuple(u for u in units if unit_key(u) not in _NOT_LAB_UNITS)


def _threshold_units(res: Resources) -> tuple[str, ...]:
    return _threshold_units_of(res.lexicon.units)


@cache
def _comparators(t: Templates) -> dict[str, str]:
    return {k.lower(): v for k, v in t.raw("reading.comparators").items()}


def _comparator(word: str, t: Templates) -> str | None:
    return _comparators(t).get(word.lower().strip())


def _value(number: str, unit: str | None) -> str:
    return f"{number} {unit.strip()}" if unit and unit.strip() not in {"%"} else f"{number}{unit or ''}"


def _name_phrase(entry: Entry, comparison: str, t: Templates) -> str:
    if entry.explain:
        return t("who.threshold", name=entry.plain, explain=entry.explain, comparison=comparison)
    return t("who.threshold_bare", name=entry.plain, comparison=comparison)

