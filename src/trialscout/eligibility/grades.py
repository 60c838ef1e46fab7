"""Score and grade extractor: "MELD score > 30", "ECOG 0-1", "NYHA class III or IV",
"encephalopathy below grade II (including grade II)". Score names, ranges, classes
and LOINC codes come from ``rules/scores.json``.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from .constraints import ScoreConstraint
from .measures import COMP, Found, merge_parenthesised
from .phrasematch import PhraseIndex
from .ruleset import load_rules_file
from .text import grade_number, parse_number

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


_G = r"(?:\d{1,3}(?:[.,]\d+)?|\b(?-i:IV|I{1,3}|V|[ABC])\b)"
_GRADE_WORD = r"(?:(?:grade|class|stage|category|score|status|ps|functional\s+class|performance\s+status)\s*(?:of\s+)?)"
_SCORE_VALUE = re.compile(
    rf"^(?P<gap>(?:\s*\([^()]{{0,20}}\))?[^\d;<>=.]{{0,30}}?)(?P<comp>{COMP})?\s*{_GRADE_WORD}?\s*(?P<a>{_G})"
    rf"(?:\s*(?:-|to|or|,|and|/)\s*{_GRADE_WORD}?\s*(?P<b>{_G}))?(?:\s*(?:,|or)\s*(?P<c>{_G}))?"
    rf"(?P<unit>\s*(?:kg/m2|kg/m²|kg/m\^2|%|mL/min/1[.,]73\s*m2?|mL/min))?"
    rf"(?P<tail>\s*(?:or|and)\s+(?:greater|higher|more|above|worse|over|less|lower|better|below|under))?"
    rf"(?P<incl>\s*\(\s*including\s+{_GRADE_WORD}?\s*{_G}\s*\))?", re.I)


_VALUE_BEFORE = re.compile(
    rf"\b(?:grade|class|stage)\s+(?P<a>{_G})(?:\s*(?:-|to|or|/)\s*(?P<b>{_G}))?\s+(?:[a-z]+\s+){{0,4}}$", re.I)


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
    names = merge_parenthesised(list(score_index().finditer(text)), score_id)
    for i, nm in enumerate(names):
        sid = score_id(nm.group(0))
        if sid is None:
            continue
        spec = score_table()[sid]
        limit = names[i + 1].start() if i + 1 < len(names) else len(text)
        window = text[nm.end():min(limit, nm.end() + 90)]
        m = _SCORE_VALUE.match(window)
        if not m and spec["scale"] == "grade":
            before = text[max(0, nm.start() - 60):nm.start()]
            m = _VALUE_BEFORE.search(before)
            if m:  # "class III-IV according to NYHA"
                vals = [_grade_value(m[k], spec) for k in ("a", "b") if m[k]]
                if vals and all(v is not None for v in vals):
                    lo, hi = min(v[0] for v in vals), max(v[1] for v in vals)  # type: ignore[index]
                    comp = "between" if lo != hi else "="
                    start = nm.start() - len(before) + m.start()
                    found.append(Found(start, nm.end(), ScoreConstraint(
                        score=sid, comparator=comp, value=lo, upper=hi if comp == "between" else None,
                        unit=spec.get("unit"), text=text[start:nm.end()])))
            continue
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
