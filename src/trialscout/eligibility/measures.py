"""Numeric extractors: age, laboratory values, scores and time windows.

Each extractor works on text already passed through ``text.normalize`` (so
comparators are symbols) and returns ``Found`` items: the constraint plus the
character span it was read from, used to judge how much of a criterion the
parser understood.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from .constraints import AgeConstraint, LabConstraint, ScoreConstraint, TimeWindow
from .labs import analyte_index, analytes, find_analyte, normalize_unit
from .phrasematch import PhraseIndex
from .ruleset import cue_matcher, load_rules_file
from .text import grade_number, parse_number, word_number

NUM = r"\d+(?:[.,]\d+)*"
COMP = r"(?:>=|<=|>|<|=)"
_UNIT = (r"(?:\s*(?:[x×*]\s*10\s*[\^*]?\s*\d+|10\s*[\^*]\s*\d+|[x×*]\s*10\d)\s*(?:/\s*[a-zA-Zµμ³]+\d?|[a-zA-Z/]+)?"
         r"|\s*(?:[x×]|times)\s*(?:the\s+)?(?:institutional\s+)?(?:ULN|upper\s+limits?\s+of\s+(?:the\s+)?normal(?:\s+range)?)"
         r"|\s*mm\s*Hg|\s*mL/min/1[.,]73\s*m(?:2|²|\^2)?|\s*%|\s*/\s*[a-zA-Zµμ]+Â?[\d³^]*"
         r"|\s*micro\s*m?mol\s*/\s*[lL]"
         r"|\s*[a-zA-Zµμ][a-zA-Zµμ]*(?:/[a-zA-Zµμ\d.^³²{}_]+)*)?")


@dataclass(frozen=True)
class Found:
    """A constraint read from ``text[start:end]``."""

    start: int
    end: int
    item: Any


def _unit(raw: str) -> str | None:
    raw = raw.strip()
    if not raw:
        return None
    if re.search(r"(?i)uln|upper\s+limit", raw):
        return "x ULN"
    return normalize_unit(raw)


def _value(raw: str, unit: str | None) -> float | None:
    return parse_number(raw, count_context=bool(unit and "/" in unit and "L" not in unit))


# ---------------------------------------------------------------- age

_AGE_UNIT = r"(?:years?|yrs?|y\.?o\.?|months?|mos?)"
_AGE_RANGE = re.compile(
    rf"\b(?:age[sd]?|age\s+range)\b\s*(?::|of|is|was|from|between|range|ranging|range\s+from)?\s*(?:from|between)?\s*"
    rf"(?P<lo>{NUM})\s*(?P<lou>{_AGE_UNIT})?\s*(?:-|to|and|~)\s*(?P<hi>{NUM})\s*(?P<hiu>{_AGE_UNIT})?", re.I)
_AGE_RANGE_TAIL = re.compile(
    rf"(?:\bbetween\s+|\bfrom\s+)?(?P<lo>{NUM})\s*(?P<lou>{_AGE_UNIT})?\s*(?:-|to|and|~)\s*(?P<hi>{NUM})\s*"
    rf"(?P<hiu>{_AGE_UNIT})(?:\s*(?:of\s+age|old|of\s+life)|-old)", re.I)
_AGE_COMP = re.compile(rf"\b(?:age[sd]?)\b\s*(?::|of|is|was|must\s+be|should\s+be)?\s*(?P<comp>{COMP})\s*(?P<v>{NUM})"
                       rf"\s*(?P<u>{_AGE_UNIT})?", re.I)
_AGE_COMP_TAIL = re.compile(rf"(?P<comp>{COMP})\s*(?P<v>{NUM})\s*(?P<u>{_AGE_UNIT})\b(?:\s*(?:of\s+age|old|-old))?"
                            r"(?!\s*(?:ago|prior|before|after|since|earlier|later|previously|duration|follow))", re.I)
_DURATION_BEFORE = re.compile(r"\b(?:for|since|within|past|last|course|duration|lasting|after|before|prior|during|"
                              r"history|previous|treatment|diagnosed|onset|diagnosis|interval|period)\b[^<>=]{0,12}$", re.I)


def _years(value: float, unit: str | None) -> float:
    return value / 12.0 if unit and unit.lower().startswith("mo") else value


def find_ages(text: str, original: str) -> list[Found]:
    """Age limits ("Age range from 18 to 65 years old", "≥ 18 years of age", "< 20 years old")."""
    found: list[Found] = []
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
        found.append(Found(start, end, constraint))

    for rx in (_AGE_RANGE, _AGE_RANGE_TAIL):
        for m in rx.finditer(text):
            lo, hi = parse_number(m["lo"]), parse_number(m["hi"])
            if lo is None or hi is None:
                continue
            unit_hi = m["hiu"]
            unit_lo = m["lou"] or unit_hi
            lo_y, hi_y = _years(lo, unit_lo), _years(hi, unit_hi)
            if lo_y <= hi_y <= 130:
                add(m.start(), m.end(), AgeConstraint(comparator="between", value=lo_y, upper=hi_y, text=m.group(0)))
    for rx in (_AGE_COMP, _AGE_COMP_TAIL):
        for m in rx.finditer(text):
            if rx is _AGE_COMP_TAIL:
                before = text[max(0, m.start() - 30):m.start()]
                if not has_cue() or (_DURATION_BEFORE.search(before) and not re.search(r"\bage[sd]?\s*(of)?\s*$", before, re.I)):
                    continue
            v = parse_number(m["v"])
            if v is None or v > 130:
                continue
            add(m.start(), m.end(), AgeConstraint(comparator=m["comp"], value=_years(v, m["u"]), text=m.group(0)))
    return found


# ---------------------------------------------------------------- labs

_GAP = r"(?P<gap>(?:\s*\([^()]{0,25}\))?[^\d;<>=]{0,45}?)"
_VALUE_EXPR = (rf"(?:(?P<comp>{COMP})\s*(?P<v>{NUM})(?P<u>{_UNIT})"
               rf"|\bbetween\s+(?P<b1>{NUM})(?P<bu1>{_UNIT})\s+and\s+(?P<b2>{NUM})(?P<bu2>{_UNIT})"
               rf"|(?:\bfrom\s+)?(?P<r1>{NUM})(?P<ru1>{_UNIT})\s*(?:-|to|~)\s*(?P<r2>{NUM})(?P<ru2>{_UNIT}))")
_VALUE = re.compile(_VALUE_EXPR, re.I)
_CHANGE = re.compile(
    rf"\b(?P<word>increase[sd]?|rise|rising|decrease[sd]?|drop|fall|decline|change|elevation|reduction)\s+"
    rf"(?:of|by|in)?\s*(?P<comp>{COMP})?\s*(?P<v>{NUM})(?P<u>{_UNIT})(?:\s*(?:per|/|a|each|every)\s*"
    rf"(?P<per>day|week|month|year|24\s*h(?:ours?)?))?", re.I)
_CHANGE_WORDS = re.compile(r"\b(increase|rise|decrease|drop|fall|decline|change|prolong|elevation|reduction|doubling|"
                           r"times\s+baseline|from\s+baseline|fold)", re.I)
_VALUE_NOTE = re.compile(rf"^\s*(?:\([^()]{{0,25}}\)\s*)?(?:of|was|is|at|level|levels|count|value|concentration|:|=|,)?"
                         rf"\s*(?:of|was|is|:)?\s*(?P<v>{NUM})(?P<u>{_UNIT})", re.I)


def _numeric_from(m: re.Match[str], unit_for: str | None) -> tuple[str, float, float | None, str | None] | None:
    if m["comp"]:
        unit = _unit(m["u"])
        v = _value(m["v"], unit)
        return None if v is None else (m["comp"], v, None, unit)
    if m["b1"]:
        unit = _unit(m["bu2"]) or _unit(m["bu1"])
        lo, hi = _value(m["b1"], unit), _value(m["b2"], unit)
        return None if lo is None or hi is None or lo > hi else ("between", lo, hi, unit)
    unit = _unit(m["ru2"]) or _unit(m["ru1"])
    lo, hi = _value(m["r1"], unit), _value(m["r2"], unit)
    return None if lo is None or hi is None or lo > hi else ("between", lo, hi, unit)


def _merge_parenthesised(names: list[re.Match[str]], key: Any) -> list[Any]:
    """Drop "(TBil)" after "Total bilirubin": a name repeated as an abbreviation in brackets."""
    out: list[Any] = []
    for m in names:
        if out:
            prev = out[-1]
            between = m.string[prev.end():m.start()]
            if re.fullmatch(r"\s*\(\s*", between) and key(prev.group(0)) == key(m.group(0)):
                continue
        out.append(m)
    return out


def _only_unit(analyte_id: str) -> str | None:
    """The unit to assume when none is written: only for analytes reported in a single unit (INR, %)."""
    units = analytes()[analyte_id].report_units
    return units[0] if len(units) == 1 else None


def find_labs(text: str) -> list[Found]:
    """Laboratory thresholds: "Total bilirubin (TBil) >= 171μmol/L", "PTA between 20% and 40%"."""
    found: list[Found] = []
    names = _merge_parenthesised(list(analyte_index().finditer(text)), find_analyte)
    for i, nm in enumerate(names):
        limit = names[i + 1].start() if i + 1 < len(names) else len(text)
        tail = text[nm.end():limit]
        m = re.match(_GAP + _VALUE_EXPR, tail, re.I)
        if not m:
            continue
        analyte_id = find_analyte(nm.group(0))
        parsed = _numeric_from(m, None)
        if analyte_id is None or parsed is None:
            continue
        comp, value, upper, unit = parsed
        unit = unit or _only_unit(analyte_id)
        gap = m["gap"] or ""
        change = "change" if _CHANGE_WORDS.search(gap) else None
        end = nm.end() + m.end()
        found.append(Found(nm.start(), end, LabConstraint(
            analyte=analyte_id, comparator=comp, value=value, upper=upper, unit=unit, change=change,
            text=text[nm.start():end])))
    for m in _CHANGE.finditer(text):
        if any(f.start <= m.start() < f.end for f in found):
            continue
        prior = [f for f in found if f.end <= m.start()]
        if not prior:
            continue
        base: LabConstraint = prior[-1].item
        word = m["word"].lower()
        change = "increase" if word.startswith(("incr", "rise", "ris", "elev")) else (
            "decrease" if word.startswith(("decr", "drop", "fall", "decl", "redu")) else "change")
        unit = _unit(m["u"])
        v = _value(m["v"], unit)
        if v is None:
            continue
        per = (m["per"] or "").lower()
        per_unit = "day" if per.startswith("24") else (per or None)
        found.append(Found(m.start(), m.end(), LabConstraint(
            analyte=base.analyte, comparator=m["comp"] or ">=", value=v, unit=unit, change=change,
            per=per_unit, text=m.group(0))))
    found.sort(key=lambda f: f.start)
    return found


def find_lab_values(text: str) -> list[tuple[int, int, str, float, str | None]]:
    """Observed lab values in a note: (start, end, analyte, value, unit) — "bilirubin 210 µmol/L", "INR 1.9"."""
    out = []
    for nm in analyte_index().finditer(text):
        m = _VALUE_NOTE.match(text[nm.end():nm.end() + 60])
        if not m:
            continue
        analyte_id = find_analyte(nm.group(0))
        unit = _unit(m["u"])
        value = _value(m["v"], unit)
        if analyte_id and value is not None:
            unit = unit or _only_unit(analyte_id)
            out.append((nm.start(), nm.end() + m.end(), analyte_id, value, unit))
    return out


# ---------------------------------------------------------------- scores

@lru_cache(maxsize=None)
def score_table() -> dict[str, dict[str, Any]]:
    return {s["id"]: s for s in load_rules_file("scores.json").get("scores", [])}


@lru_cache(maxsize=None)
def score_index() -> PhraseIndex:
    """Matcher for every score name and abbreviation; values are score ids."""
    names = {n: sid for sid, s in score_table().items() for n in s["names"]}
    abbrevs = {a: sid for sid, s in score_table().items() for a in s.get("abbrev", [])}
    return PhraseIndex(names, abbrevs)


def score_id(name: str) -> str | None:
    """Score id for a score name ("MELD score" -> "meld")."""
    return score_index().lookup(name)


def score_spec(sid: str) -> dict[str, Any]:
    """The ``rules/scores.json`` entry for a score id."""
    return score_table()[sid]


_G = r"(?:\d{1,3}(?:[.,]\d+)?|IV|I{1,3}|V|[ABC]\b)"
_GRADE_WORD = r"(?:(?:grade|class|stage|category|score|status|ps|functional\s+class|performance\s+status)\s*(?:of\s+)?)"
_SCORE_VALUE = re.compile(
    rf"^(?P<gap>(?:\s*\([^()]{{0,20}}\))?[^\d;<>=.]{{0,30}}?)(?P<comp>{COMP})?\s*{_GRADE_WORD}?\s*(?P<a>{_G})"
    rf"(?:\s*(?:-|to|or|,|and|/)\s*{_GRADE_WORD}?\s*(?P<b>{_G}))?(?:\s*(?:,|or)\s*(?P<c>{_G}))?"
    rf"(?P<unit>\s*(?:kg/m2|kg/m²|kg/m\^2|%|mL/min/1[.,]73\s*m2?|mL/min))?"
    rf"(?P<tail>\s*(?:or|and)\s+(?:greater|higher|more|above|worse|over|less|lower|better|below|under))?"
    rf"(?P<incl>\s*\(\s*including\s+{_GRADE_WORD}?\s*{_G}\s*\))?", re.I)


def _grade_value(raw: str, spec: dict[str, Any]) -> tuple[float, float] | None:
    raw = raw.strip()
    classes = spec.get("classes", {})
    if raw.upper() in classes:
        lo, hi = classes[raw.upper()]
        return float(lo), float(hi)
    if re.fullmatch(r"IV|I{1,3}|V", raw, re.I):
        g = grade_number(raw)
        return (float(g), float(g)) if g is not None else None
    v = parse_number(raw)
    return (v, v) if v is not None else None


def find_scores(text: str) -> list[Found]:
    """Score thresholds: "MELD score > 30", "ECOG 0-1", "NYHA class III or IV", "below grade II (including grade II)"."""
    found: list[Found] = []
    names = _merge_parenthesised(list(score_index().finditer(text)), score_id)
    for i, nm in enumerate(names):
        sid = score_id(nm.group(0))
        if sid is None:
            continue
        spec = score_table()[sid]
        limit = names[i + 1].start() if i + 1 < len(names) else len(text)
        window = text[nm.end():min(limit, nm.end() + 90)]
        m = _SCORE_VALUE.match(window)
        if not m:
            continue
        if spec.get("requires_grade_word") and not re.search(r"grade|stage", m.group(0), re.I):
            continue
        vals = [_grade_value(m[k], spec) for k in ("a", "b", "c") if m[k]]
        if any(v is None for v in vals) or not vals:
            continue
        lo = min(v[0] for v in vals)  # type: ignore[index]
        hi = max(v[1] for v in vals)  # type: ignore[index]
        if lo < spec.get("min", 0) - 1e-9 or hi > spec.get("max", 1e9) + 1e-9:
            continue
        comp = m["comp"]
        tail = (m["tail"] or "").lower()
        if m["incl"] and comp in {"<", ">"}:
            comp += "="
        if tail:
            comp = ">=" if re.search(r"greater|higher|more|above|worse|over", tail) else "<="
        if comp:
            value = lo if comp in {">", ">="} else hi
            if comp in {">", ">=", "<", "<="} and (lo != hi and len(vals) == 1):
                value = lo if comp in {">", ">="} else hi
            constraint = ScoreConstraint(score=sid, comparator=comp, value=value, unit=spec.get("unit"),
                                         text=text[nm.start():nm.end() + m.end()])
        elif lo == hi:
            if len(vals) == 1 and not m["b"] and spec["scale"] == "number" and not spec.get("classes"):
                continue  # "MELD 20" without a comparator is a value, not a limit
            constraint = ScoreConstraint(score=sid, comparator="=", value=lo, unit=spec.get("unit"),
                                         text=text[nm.start():nm.end() + m.end()])
        else:
            constraint = ScoreConstraint(score=sid, comparator="between", value=lo, upper=hi, unit=spec.get("unit"),
                                         text=text[nm.start():nm.end() + m.end()])
        found.append(Found(nm.start(), nm.end() + m.end(), constraint))
    return found


# ---------------------------------------------------------------- time windows

_TU = r"(?P<unit>days?|weeks?|wks?|months?|mos?|years?|yrs?|hours?|h)"
_NUMW = rf"(?P<n>{NUM}|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fourteen|eighteen|twenty|thirty|a|an)"
_ANCHOR = r"(?:\s+(?:prior\s+to|before|preceding|of|from|after)\s+(?P<anchor>(?:the\s+)?[a-z][\w\s-]{0,40}?))?(?=[,;.()]|$|\s+(?:or|and|with|who|that)\b)"
_WITHIN = re.compile(rf"\b(?:within|in|during|over)\s+(?:the\s+)?(?:(?:past|last|previous|preceding|prior|recent|next|following)\s+)?{_NUMW}?\s*{_TU}\b{_ANCHOR}", re.I)
_BEFORE = re.compile(rf"(?P<comp>{COMP})?\s*{_NUMW}\s*{_TU}\s+(?:prior\s+to|before|preceding|since)\s+(?P<anchor>(?:the\s+)?[a-z][\w\s-]{{0,40}}?)(?=[,;.()]|$|\s+(?:or|and)\b)", re.I)
_DURATION = re.compile(rf"\b(?:course|duration|history|for|lasting|since)\s+(?:of\s+)?(?P<comp>{COMP})\s*{_NUMW}\s*{_TU}\b", re.I)


def _time_unit(raw: str) -> str:
    r = raw.lower()
    if r.startswith(("h",)):
        return "day"
    if r.startswith("d"):
        return "day"
    if r.startswith("w"):
        return "week"
    if r.startswith("mo"):
        return "month"
    return "year"


_HAS_TIME = re.compile(r"(?i)day|week|wk|month|mo\b|year|yr|hour|\bh\b")


def find_windows(text: str) -> list[Found]:
    """Time windows: "within 3 weeks prior to registration", "a course of > 5 years", "in the past 12 months"."""
    found: list[Found] = []
    if not _HAS_TIME.search(text):
        return found

    def add(m: re.Match[str], kind: str) -> None:
        n = word_number(m["n"]) if m["n"] else 1.0
        if n is None or any(f.start < m.end() and m.start() < f.end for f in found):
            return
        unit = _time_unit(m["unit"])
        if m["unit"].lower().startswith("h"):
            n = n / 24.0
        anchor = (m.groupdict().get("anchor") or "").strip() or None
        found.append(Found(m.start(), m.end(), TimeWindow(kind=kind, amount=n, unit=unit, anchor=anchor,  # type: ignore[arg-type]
                                                          text=m.group(0).strip())))

    for m in _DURATION.finditer(text):
        add(m, "duration_at_least" if m["comp"] in {">", ">="} else "duration_at_most")
    for m in _BEFORE.finditer(text):
        add(m, "before" if m["comp"] in {">", ">="} else "within")
    for m in _WITHIN.finditer(text):
        if re.match(r"(?i)\s*(?:in|over|during)\b", m.group(0)) and not re.search(
                r"(?i)past|last|previous|preceding|prior|recent", m.group(0)):
            continue
        add(m, "within")
    found.sort(key=lambda f: f.start)
    return found
