"""Numeric extractors: laboratory values (ages: ``ages.py``; scores: ``grades.py``; time: ``windows.py``).

Each extractor works on text already passed through ``text.normalize`` (so
comparators are symbols) and returns ``Found`` items: the constraint plus the
character span it was read from, used to judge how much of a criterion the
parser understood.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass
from typing import Any

from .constraints import LabConstraint
from .labs import analyte_index, analytes, find_analyte, normalize_unit
from .text import parse_number

NUM = r"\d+(?:[.,]\d+)*"
COMP = r"(?:>=|<=|>|<|=)"
_UNIT = (r"(?:\s*(?:[x×*]\s*10\s*[\^*]?\s*\d+|10\s*[\^*]\s*\d+|[x×*]\s*10\d)\s*(?:/\s*[a-zA-Zµμ³]+\d?|[a-zA-Z/]+)?"
         r"|\s*(?:[x×]|times)\s*(?:the\s+)?(?:institutional\s+)?(?:ULN|upper\s+limits?\s+of\s+(?:the\s+)?normal(?:\s+range)?)"
         r"|\s*[℃℉]|\s*[°º]\s*[CF]\b|\s*mm\s*Hg|\s*mL/min/1[.,]73\s*m(?:2|²|\^2)?|\s*%|\s*/\s*[a-zA-Zµμ]+Â?[\d³^]*"
         r"|\s*micro\s*m?mol\s*/\s*[lL]"
         r"|\s*(?!(?:or|and|in|at|of|on|to|for|with|per|if|by|as|is|was|the|than)\b)[a-zA-Zµμ][a-zA-Zµμ]*"
         r"(?:/[a-zA-Zµμ\d.^³²{}_]+)*)?")


@dataclass(frozen=True)
class Found:
    """A constraint read from ``text[start:end]``."""

    start: int
    end: int
    item: Any


_NOT_UNITS = {"in", "at", "of", "or", "and", "on", "to", "for", "with", "per", "a", "an", "as", "is", "if", "by"}
_NOT_A_LAB_UNIT = re.compile(r"(?i)^(?:days?|weeks?|wks?|months?|mos?|years?|yrs?|hours?|hrs?|h|min|minutes?|times?|"
                             r"cycles?|doses?|x)$|/(?:day|d|week|wk|m2|kg)\b|^mg$|^ml$|^mg/")


class NotALabValue(ValueError):
    """The number after an analyte is a dose, a duration or a count, not a lab result."""


def _unit(raw: str) -> str | None:
    raw = raw.strip()
    if not raw or raw.lower() in _NOT_UNITS:
        return None
    if re.search(r"(?i)uln|upper\s+limit", raw):
        return "x ULN"
    unit = normalize_unit(raw)
    if unit is None and _NOT_A_LAB_UNIT.search(raw):
        raise NotALabValue(raw)
    return unit


def _value(raw: str, unit: str | None) -> float | None:
    return parse_number(raw, count_context=bool(unit and "/" in unit and "L" not in unit))


# ---------------------------------------------------------------- age: see ``ages.py``

# ---------------------------------------------------------------- labs

_GAP = r"(?P<gap>(?:\s*\([^()]{0,25}\))?[^\d;<>=]{0,45}?)"
_VALUE_EXPR = (rf"(?:(?P<comp>{COMP})\s*(?P<v>{NUM})(?P<u>{_UNIT})"
               rf"|\bbetween\s+(?P<b1>{NUM})(?P<bu1>{_UNIT})\s+and\s+(?P<b2>{NUM})(?P<bu2>{_UNIT})"
               rf"|(?:\bfrom\s+)?(?P<r1>{NUM})(?P<ru1>{_UNIT})\s*(?:-|to|~)\s*(?P<r2>{NUM})(?P<ru2>{_UNIT}))")
_VALUE = re.compile(_VALUE_EXPR, re.I)
_GAP_VALUE = re.compile(_GAP + _VALUE_EXPR, re.I)
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


def _outside_range(a: LabConstraint, b: LabConstraint) -> bool:
    """"< 90 ... > 150": below a low bound or above a high one (only one can hold, so it means "or")."""
    low, high = (a, b) if a.comparator in {"<", "<="} else (b, a)
    return low.comparator in {"<", "<="} and high.comparator in {">", ">="} and low.value <= high.value


def _inside_range(a: LabConstraint, b: LabConstraint) -> bool:
    """"> 125 and < 150": both bounds of one range (both must hold)."""
    low, high = (a, b) if a.comparator in {">", ">="} else (b, a)
    return low.comparator in {">", ">="} and high.comparator in {"<", "<="} and low.value < high.value


_MORE = re.compile(rf"\s*,?\s*(?P<link>or|and|&|,)\s*(?P<comp>{COMP})\s*(?P<v>{NUM})(?P<u>{_UNIT})", re.I)
_SHARED = re.compile(r"\s*(?:\([^()]{0,15}\))?\s*(?:/|,|&|and/or|and|or)\s*", re.I)


def merge_parenthesised(names: list[re.Match[str]], key: Any) -> list[Any]:
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
    names = merge_parenthesised(list(analyte_index().finditer(text)), find_analyte)
    waiting: list[Any] = []  # "AST/ALT <= 3 x ULN": names that share the next name's value
    for i, nm in enumerate(names):
        limit = names[i + 1].start() if i + 1 < len(names) else len(text)
        tail = text[nm.end():limit]
        m = _GAP_VALUE.match(tail)
        if not m:
            if i + 1 < len(names) and _SHARED.fullmatch(tail):
                waiting.append(nm)
            else:
                waiting = []
            continue
        analyte_id = find_analyte(nm.group(0))
        try:
            parsed = _numeric_from(m, None)
        except NotALabValue:
            waiting = []
            continue
        if analyte_id is None or parsed is None:
            waiting = []
            continue
        for other in waiting:
            other_id = find_analyte(other.group(0))
            if other_id and other_id != analyte_id:
                comp, value, upper, unit = parsed
                found.append(Found(other.start(), nm.start(), LabConstraint(
                    analyte=other_id, comparator=comp, value=value, upper=upper, unit=unit or _only_unit(other_id),
                    text=other.group(0))))
        waiting = []
        comp, value, upper, unit = parsed
        unit = unit or _only_unit(analyte_id)
        gap = m["gap"] or ""
        change = "change" if _CHANGE_WORDS.search(gap) else None
        end = nm.end() + m.end()
        lab = LabConstraint(analyte=analyte_id, comparator=comp, value=value, upper=upper, unit=unit, change=change,
                            text=text[nm.start():end])
        siblings: list[Found] = []
        while True:  # "systolic BP < 90 or > 150 mmHg", "sodium < 125 & > 150"
            more = _MORE.match(text, end, limit)
            if not more:
                break
            try:
                more_unit = _unit(more["u"])
            except NotALabValue:
                break
            more_value = _value(more["v"], more_unit)
            if more_value is None:
                break
            extra = LabConstraint(analyte=analyte_id, comparator=more["comp"], value=more_value,
                                  unit=more_unit or unit, text=more.group(0).strip())
            if unit is None and more_unit:
                lab = lab.model_copy(update={"unit": more_unit})
            if _outside_range(lab, extra) or (more["link"].lower() == "or" and not _inside_range(lab, extra)):
                lab = lab.model_copy(update={"alternatives": [*lab.alternatives, extra]})
            else:
                siblings.append(Found(more.start(), more.end(), extra))
            end = more.end()
        found.append(Found(nm.start(), end if not siblings else siblings[0].start, lab))
        found.extend(siblings)
    for m in _CHANGE.finditer(text) if found else ():  # a change is read only after a lab value
        if any(f.start <= m.start() < f.end for f in found):
            continue
        prior = [f for f in found if f.end <= m.start()]
        if not prior:
            continue
        base: LabConstraint = prior[-1].item
        word = m["word"].lower()
        change = "increase" if word.startswith(("incr", "rise", "ris", "elev")) else (
            "decrease" if word.startswith(("decr", "drop", "fall", "decl", "redu")) else "change")
        try:
            unit = _unit(m["u"])
        except NotALabValue:
            continue
        v = _value(m["v"], unit)
        if v is None:
            continue
        per = (m["per"] or "").lower()
        per_unit = "day" if per.startswith("24") else (per or None)
        found.append(Found(m.start(), m.end(), LabConstraint(
            analyte=base.analyte, comparator=m["comp"] or ">=", value=v, unit=unit, change=change,
            per=per_unit, text=m.group(0))))
    found += find_raised_labs(text, [(f.start, f.end) for f in found])
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
        try:
            unit = _unit(m["u"])
        except NotALabValue:
            continue
        value = _value(m["v"], unit)
        if analyte_id and value is not None:
            unit = unit or _only_unit(analyte_id)
            out.append((nm.start(), nm.end() + m.end(), analyte_id, value, unit))
    return out


# ---------------------------------------------------------------- "elevated CRP": above the normal range

_HIGH = r"(?:elevated|raised|increased|high|abnormally\s+high|elevation\s+of|increase\s+in|rise\s+in)"
_HIGH_WORD = re.compile(rf"\b{_HIGH}\s+", re.I)
_SEP = r"\s*(?:/|,|;|\bor\b|\band\b|\band/or\b)\s*"
_ETC = re.compile(r"^\s*(?:,\s*)?(?:etc\.?|and\s+so\s+on|\.\.\.|…|or\s+others?|and\s+others?)\s*\)?", re.I)
_FLAG_AFTER = re.compile(r"^\s*(?:\([^()]{0,20}\)\s*)?(?:levels?\s+|concentrations?\s+)?(?:(?:is|are|was|were)\s+)?"
                         r"(?P<neg>not\s+)?(?P<word>elevated|raised|increased|high|normal|within\s+normal\s+limits|"
                         r"(?:with)?in\s+(?:the\s+)?normal\s+range|low|decreased|reduced)\b", re.I)
_FLAG_BEFORE = re.compile(r"(?P<neg>\b(?:no|not|without)\s+)?\b(?P<word>elevated|raised|increased|high|normal|low|"
                          r"decreased|reduced)\s+(?:serum\s+|blood\s+|plasma\s+)?(?:levels?\s+of\s+)?$", re.I)


def _name_list(text: str, start: int, all_names: list[Any], starts: list[int]) -> list[Any]:
    """Analyte names from ``start`` joined by "/", ",", "or", "and": "IL-6 / TNF-α / CRP"."""
    names: list[Any] = []
    pos = start
    for nm in all_names[bisect_left(starts, start):]:
        gap = text[pos:nm.start()]
        if names and not re.fullmatch(_SEP, gap, re.I) and not re.fullmatch(r"\s*\(\s*", gap):
            break
        if not names and not re.fullmatch(r"(?:(?:serum|blood|plasma)\s+)?(?:levels?\s+of\s+)?", gap, re.I):
            break
        names.append(nm)
        pos = nm.end()
    return names


def find_raised_labs(text: str, taken: list[tuple[int, int]]) -> list[Found]:
    """"Elevated CRP", "raised IL-6 or TNF-α", "elevated inflammatory markers (IL-6 / TNF-α / CRP, etc.)".

    Each becomes a lab above 1 x the upper limit of normal; several names are alternatives.
    A name followed by a number is left to ``find_labs`` (a threshold, not a flag).
    """
    found: list[Found] = []
    if analyte_index().search(text) is None:
        return found  # no analyte named: nothing is raised
    all_names: list[Any] | None = None
    starts: list[int] = []
    for q in _HIGH_WORD.finditer(text):
        if all_names is None:
            all_names = analyte_index().finditer(text)
            starts = [nm.start() for nm in all_names]
        after = q.end()
        names = _name_list(text, after, all_names, starts)
        if not names:  # a category with its members in brackets: "inflammatory markers (IL-6 / CRP, etc.)"
            m = re.match(r"(?:[A-Za-z-]+\s+){0,3}?[A-Za-z-]+\s*\(\s*", text[after:after + 60])
            if m is None or re.search(r"\d", m.group(0)):
                continue
            names = _name_list(text, after + m.end(), all_names, starts)
        if not names:
            continue
        end = names[-1].end()
        if re.match(rf"\s*(?:\([^()]{{0,25}}\))?\s*(?:{COMP}|\d)", text[end:end + 30]):
            continue  # "elevation of bilirubin > 1.5 x ULN": a threshold
        etc = _ETC.match(text[end:])
        if etc:
            end += etc.end()
        elif text[end:end + 1] == ")" and "(" in text[q.start():names[0].start()]:
            end += 1
        if any(s < end and q.start() < e for s, e in taken):
            continue
        ids = list(dict.fromkeys(a for a in (find_analyte(n.group(0)) for n in names) if a))
        if not ids:
            continue
        wording = text[q.start():end]
        labs = [LabConstraint(analyte=a, comparator=">", value=1, unit="x ULN", text=wording) for a in ids]
        found.append(Found(q.start(), end, labs[0].model_copy(update={"alternatives": labs[1:], "open_list": bool(etc)})))
    return found


def find_lab_flags(text: str) -> list[tuple[int, int, str, str]]:
    """Results a note reports only as high, normal or low: (start, end, analyte, interpretation).

    "IL-6 elevated", "raised CRP", "CRP was normal", "CRP not elevated"; "no elevated CRP" is
    read as normal. A name followed by a value is left to ``find_lab_values``.
    """
    out = []
    for nm in analyte_index().finditer(text):
        analyte_id = find_analyte(nm.group(0))
        if analyte_id is None:
            continue
        after = _FLAG_AFTER.match(text[nm.end():nm.end() + 50])
        before = _FLAG_BEFORE.search(text[max(0, nm.start() - 40):nm.start()])
        hit, start, end = (after, nm.start(), nm.end() + after.end()) if after else (
            (before, nm.start() - len(before.group(0)), nm.end()) if before else (None, 0, 0))
        if hit is None:
            continue
        word = hit["word"].lower()
        flag = "high" if word in {"elevated", "raised", "increased", "high"} else (
            "low" if word in {"low", "decreased", "reduced"} else "normal")
        if hit["neg"]:
            if flag != "high":
                continue  # "not low" says too little
            flag = "normal"
        out.append((start, end, analyte_id, flag))
    return out
