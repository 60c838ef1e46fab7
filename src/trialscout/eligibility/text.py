"""Text clean-up shared by the splitter, the parser and the note reader.

``unescape`` removes the Markdown escapes ClinicalTrials.gov adds (``\\>``).
``normalize`` rewrites comparators written in words or symbols ("at least",
"≥", "=>", "18 years or older") into one symbolic form (``>=``) so the
extractors need to know a single spelling. Offsets are not preserved; the
original text stays on the ``Criterion``.
"""

from __future__ import annotations

import re

_ESCAPE = re.compile(r"\\([<>≥≤=\-*\[\]_()#.+!~`|{}&^%$@'\"/:;,?]|[^\x00-\x7f])")

_NUM = r"\d+(?:[.,]\d+)*"
_GRADE = r"(?:a\s+)?(?:grade|class|stage|category)\s+(?:\d|[IV]{1,3}\b)"
_WORDNUM = r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)\b"
_AHEAD = rf"(?=\s*(?:{_NUM}|{_GRADE}|{_WORDNUM}))"

_SYMBOLS: list[tuple[str, str]] = [
    (r"&gt;", ">"), (r"&lt;", "<"), (r"&amp;", "&"),
    (r"[≥⩾≧]|>\s*=|=\s*>|>\s*or\s*=|≥\s*/\s*=|>/=", " >= "),
    (r"[≤⩽≦]|<\s*=|=\s*<|<\s*or\s*=|≤\s*/\s*=|</=", " <= "),
    (r"[＞﹥]", " > "), (r"[＜﹤]", " < "),
    (r"[–—−‐‑]", "-"),
]
# Comparators in words, one alternative per symbol; tried longest first in a single pass.
_WORDS: list[tuple[str, str]] = [
    (r"(?:greater|more|higher|larger|older) than or equal(?: to)?|equal to or (?:greater|more|higher|above)(?: than)?", ">="),
    (r"(?:less|lower|fewer|smaller|younger) than or equal(?: to)?|equal to or (?:less|lower|below)(?: than)?", "<="),
    (r"(?:over|above|older than|greater than|more than)\s+(?:the\s+)?age\s+of", "age >"),
    (r"(?:under|below|younger than|less than)\s+(?:the\s+)?age\s+of", "age <"),
    (r"(?:at least|no less than|not less than|no fewer than|not lower than|a minimum of|minimum of|minimum|min\.?)" + _AHEAD, ">="),
    (r"(?:at most|no more than|not more than|not greater than|no greater than|no higher than|not exceeding|"
     r"not to exceed|a maximum of|maximum of|maximum|max\.?|up to)" + _AHEAD, "<="),
    (r"(?:greater than|more than|higher than|larger than|older than|in excess of|exceeding|exceeds|above|over)" + _AHEAD, ">"),
    (r"(?:less than|lower than|fewer than|smaller than|younger than|below|under)" + _AHEAD, "<"),
]
# Each symbol rule runs only when a character it needs is in the text (the result is the same, sooner).
_SYMBOL_NEEDS = ["&", "&", "&", "≥⩾≧>", "≤⩽≦<", "＞﹥", "＜﹤", "–—−‐‑"]
_SYMBOL_RX = [(frozenset(n), re.compile(p, re.IGNORECASE), r) for n, (p, r) in zip(_SYMBOL_NEEDS, _SYMBOLS, strict=True)]
_LONE_COMPARATOR = re.compile(r"(?<![<>=])\s*([<>])\s*(?!=)")
_PAIR_COMPARATOR = re.compile(r"\s*(>=|<=)\s*")
# Every alternative starts with one of these letters: the lookahead turns most word starts away
# before the alternation is tried (the same matches, about twice as fast).
_WORD_RX = re.compile(r"\b(?=[abefghilmnosuy])(?:" + "|".join(f"(?P<w{i}>{p})" for i, (p, _) in enumerate(_WORDS))
                      + ")", re.IGNORECASE)


def _word_comparator(m: re.Match[str]) -> str:
    return f" {_WORDS[int(m.lastgroup[1:])][1]} "  # type: ignore[index]


_POSTFIX_UNIT = r"(\s*(?:[x×*]\s*10\s*[\^*]?\s*\d+\s*)?(?:%|[a-zA-Zµμ/^*×\d.]+)?(?:\s+(?:of\s+age|old))?)"
_POSTFIX_GE = re.compile(
    rf"(?<![\w.^])({_NUM}){_POSTFIX_UNIT}\s*(?:,\s*)?(?:or|and)\s+(?:more|greater|higher|above|older|over|later)\b(?!\s+than)(?!\s+(?:the\s+age\s+of\s+)?\d)",
    re.IGNORECASE)
_POSTFIX_LE = re.compile(
    rf"(?<![\w.^])({_NUM}){_POSTFIX_UNIT}\s*(?:,\s*)?(?:or|and)\s+(?:less|lower|below|under|younger|fewer|earlier)\b(?!\s+than)(?!\s+(?:the\s+age\s+of\s+)?\d)",
    re.IGNORECASE)
_SPACES = re.compile(r"[ \t\u00a0\u2002-\u200b]+")


_WORD_TRIGGER_WORDS = ("than", "least", "most", "min", "max", "up to", "exceed", "above", "over", "below", "under",
                       "equal", "more", "less", "older", "younger", "higher", "lower", "excess")
_POSTFIX_LAST_WORDS = ("more", "greater", "higher", "above", "older", "over", "later", "less", "lower", "below",
                       "under", "younger", "fewer", "earlier")


def may_match(s: str, words: tuple[str, ...], pattern: re.Pattern[str]) -> bool:
    """Whether ``pattern`` can match ``s``, for a pattern every match of which contains one of ``words``
    (lower case; the pattern case-insensitive, or each word spelled as the pattern needs it).

    Plain substring tests on ASCII text (a cheap test before an expensive expression: ``False``
    means the expression finds nothing); the pattern itself decides when the text has other
    characters (case-insensitive matching knows letters such as "ſ" that ``lower`` does not).
    """
    if not s.isascii():
        return pattern.search(s) is not None
    low = s.lower()
    for w in words:
        if w in low:
            return True
    return False


_may_have_words = may_match


def unescape(text: str) -> str:
    """Remove Markdown backslash escapes (``\\>`` -> ``>``, ``\\≥`` -> ``≥``)."""
    return _ESCAPE.sub(r"\1", text) if "\\" in text else text


_TRIGGER = re.compile(r"(?i)[<>=≥≤⩾⩽≧≦＞﹥＜﹤–—−‐‑&]|than|least|most|min|max|up to|exceed|above|over|below|under|"
                      r"equal|more|less|older|younger|higher|lower|excess")
# Every alternative of _WORD_RX contains one of these words, so without them it cannot match.
_WORD_TRIGGER = re.compile(r"(?i)than|least|most|min|max|up to|exceed|above|over|below|under|equal|more|less|older|"
                           r"younger|higher|lower|excess")
# _POSTFIX_GE / _POSTFIX_LE end in "or/and more|less|..."; without such a pair neither can match.
_POSTFIX_WORDS = re.compile(r"(?i)(?:or|and)\s+(?:more|greater|higher|above|older|over|later|less|lower|below|under|"
                            r"younger|fewer|earlier)\b")


_TRIGGER_WORDS = ("than", "least", "most", "min", "max", "up to", "exceed", "above", "over", "below", "under", "equal",
                  "more", "less", "older", "younger", "higher", "lower", "excess")


def _triggered(s: str) -> bool:
    """``_TRIGGER.search(s)``; on ASCII text as plain substring tests (the same answer, sooner)."""
    if not s.isascii():
        return _TRIGGER.search(s) is not None
    if "<" in s or ">" in s or "=" in s or "&" in s:
        return True
    low = s.lower()
    return any(w in low for w in _TRIGGER_WORDS)


_SPACED_SLASH = re.compile(r"(?<=[A-Za-zµμ%\d])\s+/\s*(?=[A-Za-zµμ\d])|(?<=[A-Za-zµμ%\d])/\s+(?=[A-Za-zµμ\d])")


def normalize(text: str) -> str:
    """One spelling for comparators, dashes and units ("mg / dl" -> "mg/dl"); single spaces. Case is kept."""
    s = unescape(text)
    if " /" in s or "/ " in s:
        s = _SPACED_SLASH.sub("/", s)
    if not _triggered(s):
        return _single_spaces(s)
    if _may_have_words(s, _POSTFIX_LAST_WORDS, _POSTFIX_WORDS):
        s = _POSTFIX_GE.sub(lambda m: f">= {m.group(1)}{m.group(2)}", s)
        s = _POSTFIX_LE.sub(lambda m: f"<= {m.group(1)}{m.group(2)}", s)
    for needs, pattern, repl in _SYMBOL_RX:
        if not needs.isdisjoint(s):
            s = pattern.sub(repl, s)
    if _may_have_words(s, _WORD_TRIGGER_WORDS, _WORD_TRIGGER):
        s = _WORD_RX.sub(_word_comparator, s)
    if "<" in s or ">" in s:
        s = _LONE_COMPARATOR.sub(r" \1 ", s)
        s = _PAIR_COMPARATOR.sub(r" \1 ", s)
    return _single_spaces(s)


def _single_spaces(s: str) -> str:
    """``_SPACES.sub(" ", s).strip()``; ASCII text without a tab or two spaces in a row only needs the strip."""
    if s.isascii() and "  " not in s and "\t" not in s:
        return s.strip()
    return _SPACES.sub(" ", s).strip()


def parse_number(text: str, count_context: bool = False) -> float | None:
    """Parse ``"1.5"``, ``"1,5"``, ``"100,000"``, ``"100.000"`` (thousands when ``count_context``)."""
    t = text.strip()
    if not t:
        return None
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+", t):
        return float(t.replace(",", ""))
    if count_context and re.fullmatch(r"\d{1,3}(?:\.\d{3})+", t):
        return float(t.replace(".", ""))
    if re.fullmatch(r"\d+,\d{1,2}", t):
        return float(t.replace(",", "."))
    try:
        return float(t.replace(",", ""))
    except ValueError:
        return None


_WORD_NUMBERS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "fourteen": 14, "fifteen": 15, "eighteen": 18, "twenty": 20,
    "thirty": 30, "a": 1, "an": 1, "single": 1,
}


def word_number(text: str) -> float | None:
    """``"three"`` -> 3.0; digits are parsed too; unknown words give ``None``."""
    t = text.strip().lower()
    if t in _WORD_NUMBERS:
        return float(_WORD_NUMBERS[t])
    return parse_number(t)


_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5, "0": 0}


def grade_number(text: str) -> int | None:
    """``"II"`` -> 2, ``"3"`` -> 3, ``"iv"`` -> 4; anything else ``None``."""
    t = text.strip().lower()
    if t in _ROMAN:
        return _ROMAN[t]
    if t.isdigit() and len(t) <= 2:
        return int(t)
    return None
