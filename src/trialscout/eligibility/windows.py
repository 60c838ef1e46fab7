"""Time-window extractor: "within 3 weeks prior to registration", "a course of > 5 years",
"in the past 12 months", ">= two weeks since surgery"."""

from __future__ import annotations

import re

from .constraints import TimeWindow
from .measures import COMP, NUM, Found
from .text import may_match, word_number

_TU = r"(?P<unit>days?|weeks?|wks?|months?|mos?|years?|yrs?|hours?|h)"
_NUMW = rf"(?P<n>{NUM}|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fourteen|eighteen|twenty|thirty|a|an)"
_ANCHOR = r"(?:\s+(?:prior\s+to|before|preceding|of|from|after)\s+(?P<anchor>(?:the\s+)?[a-z][\w\s-]{0,40}?))?(?=[,;.()]|$|\s+(?:or|and|with|who|that)\b)"
_WITHIN = re.compile(rf"\b(?:within|in|during|over)\s+(?:the\s+)?(?:(?:past|last|previous|preceding|prior|recent|next|following)\s+)?{_NUMW}?\s*{_TU}\b{_ANCHOR}", re.I)
_BEFORE = re.compile(rf"(?P<comp>{COMP})?\s*{_NUMW}\s*{_TU}\s+(?:prior\s+to|before|preceding|since|from)\s+(?P<anchor>(?:the\s+)?[a-z][\w\s-]{{0,40}}?)(?=[,;.()]|$|\s+(?:or|and)\b)", re.I)
_DURATION = re.compile(rf"\b(?:course|duration|history|for|lasting|since)\s+(?:of\s+)?(?P<comp>{COMP})\s*{_NUMW}\s*{_TU}\b", re.I)
# "fever > one week": a bare comparator and a length; the parser keeps it only right after a condition
_BARE_DURATION = re.compile(rf"(?P<comp>>=|>)\s*{_NUMW}\s*{_TU}\b(?!\s*(?:of\s+age|old|of\s+life|ago|prior|before|since|"
                            rf"after|from|preceding|following|earlier|later))", re.I)


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
_TIME_WORDS = ("day", "week", "wk", "month", "year", "yr", "hour")
_TIME_SHORT = re.compile(r"mo\b|\bh\b")


def _has_time(text: str) -> bool:
    """``_HAS_TIME.search(text)``; for ASCII text as substring tests on the lower-cased text (the same answer)."""
    if not text.isascii():
        return _HAS_TIME.search(text) is not None
    low = text.lower()
    return any(w in low for w in _TIME_WORDS) or _TIME_SHORT.search(low) is not None


_IN_OVER_DURING = re.compile(r"(?i)\s*(?:in|over|during)\b")
_RECENT = re.compile(r"(?i)past|last|previous|preceding|prior|recent")
# A _WITHIN match is kept when it starts with "within" or holds one of _RECENT's words.
_WITHIN_WORDS = ("within", "past", "last", "previous", "preceding", "prior", "recent")
_WITHIN_KEPT = re.compile(r"(?i)within|past|last|previous|preceding|prior|recent")

# Words _BEFORE needs (one of them follows the length); without them it cannot match.
_BEFORE_WORD = re.compile(r"(?i)prior|before|preceding|since|from")


def find_windows(text: str) -> list[Found]:
    """Time windows: "within 3 weeks prior to registration", "a course of > 5 years", "in the past 12 months"."""
    found: list[Found] = []
    if not _has_time(text):
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

    comparator = "<" in text or ">" in text or "=" in text  # _DURATION needs one, _BARE_DURATION needs ">"
    for m in _DURATION.finditer(text) if comparator else ():
        add(m, "duration_at_least" if m["comp"] in {">", ">="} else "duration_at_most")
    for m in _BEFORE.finditer(text) if _BEFORE_WORD.search(text) else ():
        add(m, "before" if m["comp"] in {">", ">="} else "within")
    for m in _WITHIN.finditer(text) if may_match(text, _WITHIN_WORDS, _WITHIN_KEPT) else ():
        if _IN_OVER_DURING.match(m.group(0)) and not _RECENT.search(m.group(0)):
            continue
        add(m, "within")
    for m in _BARE_DURATION.finditer(text) if ">" in text else ():
        add(m, "duration_at_least")
    found.sort(key=lambda f: f.start)
    return found
