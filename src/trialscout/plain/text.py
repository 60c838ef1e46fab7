"""Text helpers shared by the generator and the checks: words, numbers, sentences, clean-up.

Nothing here knows a language: words are Unicode ``\\w`` runs, sentences end at the
full stops of Latin, CJK and other scripts.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from functools import lru_cache

#: A word: letters/digits, joined by inner hyphens or apostrophes ("acute-on-chronic", "Crohn's").
WORD = re.compile(r"\w+(?:[-'’]\w+)*")
#: A number written with digits, not glued to a preceding letter ("HbA1c" holds none).
NUMBER = re.compile(r"(?<![^\W\d_])(?<![\d.,])\d+(?:[.,]\d+)*")
#: The same numbers, written to start with a digit so a search skips to the next digit fast
#: (the two look-behinds test the character before that first digit).
NUMBER_AT_DIGIT = r"\d(?<![^\W\d_]\d)(?<![\d.,]\d)\d*(?:[.,]\d+)*"
_MD_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!<>^|~=≥≤/%&$@:;,?'\"])")
_SPACES = re.compile(r"\s+")
_SENTENCE_END = re.compile(r"(?<=[.!?。！？])\s+(?=\S)|(?<=[。！？])(?=\S)")
_ABBREVIATIONS = ("e.g.", "i.e.", "etc.", "vs.", "approx.", "dr.", "no.", "incl.")
_SPELLING = (("ae", "e"), ("oe", "e"), ("our", "or"))


def unescape(text: str) -> str:
    """Remove the registry's Markdown escapes (``\\>`` → ``>``, ``1\\*10\\^8`` → ``1*10^8``)."""
    return _MD_ESCAPE.sub(r"\1", text)


def registry_display(text: str | None) -> str:
    """Registry free text as a reader should see it: the Markdown escapes removed
    (``1\\*10\\^8`` → ``1*10^8``), nothing else changed. HTML escaping stays the page's job."""
    return unescape(text) if text else ""


def normalize_chars(text: str) -> str:
    """One spelling for the characters that vary between sources (no change to spacing)."""
    return unescape(text).replace("µ", "μ").replace("\u00a0", " ").replace("，", ", ").replace("İ", "I")


_NEEDS_WORK = re.compile(r"[\\µ\u00a0，İ\t\n\r\f\v]|\s\s")


def normalize(text: str) -> str:
    """:func:`normalize_chars`, then single spaces."""
    if _NEEDS_WORK.search(text) is None:
        return text.strip()  # the common case: nothing to change
    return _SPACES.sub(" ", normalize_chars(text)).strip()


def words(text: str) -> list[str]:
    return WORD.findall(text)


def word_count(text: str) -> int:
    return len(WORD.findall(text))


@lru_cache(maxsize=65536)
def number_key(raw: str) -> str | None:
    """Canonical form of a written number: ``1,000`` → ``1000``; ``17.10`` → ``17.1``; ``1,5`` → ``1.5``."""
    text = raw
    if "," in text:
        parts = text.split(",")
        if all(len(p) == 3 for p in parts[1:]):
            text = "".join(parts)
        else:
            text = text.replace(",", ".")
    if text.count(".") > 1:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return format(value.normalize(), "f")


def value_key(value: float | int) -> str:
    """Canonical form of a number held as a value (``18.0`` → ``18``)."""
    return number_key(repr(value) if isinstance(value, float) else str(value)) or str(value)


def split_sentences(text: str) -> list[str]:
    """Split on sentence ends, keeping common abbreviations ("e.g.") inside their sentence."""
    text = _SPACES.sub(" ", text).strip()
    if not text:
        return []
    pieces = _SENTENCE_END.split(text)
    out: list[str] = []
    for piece in pieces:
        if out and out[-1].lower().endswith(_ABBREVIATIONS):
            out[-1] = f"{out[-1]} {piece}"
        else:
            out.append(piece)
    return [p.strip() for p in out if p.strip()]


@lru_cache(maxsize=65536)
def word_forms(word: str) -> frozenset[str]:
    """A word and the forms it may take in the record: singular, British/American spelling."""
    w = word.lower().replace("’", "'")
    forms = {w}
    if w.endswith("'s"):
        forms.add(w[:-2])
    if len(w) > 3 and w.endswith("ies"):
        forms.add(w[:-3] + "y")
    if len(w) > 3 and w.endswith("es"):
        forms.add(w[:-2])
    if len(w) > 2 and w.endswith("s"):
        forms.add(w[:-1])
    for old, new in _SPELLING:
        for f in list(forms):
            if old in f:
                forms.add(f.replace(old, new))
            if new in f:
                forms.add(f.replace(new, old))
    return frozenset(forms)


def capitalize_first(text: str) -> str:
    """Upper-case the first letter only (``"stem cells (CG-BM1)"`` → ``"Stem cells (CG-BM1)"``)."""
    for i, ch in enumerate(text):
        if ch.isalpha():
            upper = ch.upper()
            if len(upper) != 1 or upper.lower() != ch:
                return text  # "ı" → "I" → "i", "ß" → "SS": a letter the record does not have
            return text[:i] + upper + text[i + 1:]
        if not ch.isspace() and ch not in "\"'(":
            return text
    return text


def ensure_period(text: str) -> str:
    text = text.rstrip(" ;,:")
    return text if text.endswith((".", "!", "?", "。", "！", "？")) else text + "."


def join_words(items: list[str], conjunction: str) -> str:
    """``["a", "b", "c"]`` → ``"a, b and c"`` (the conjunction comes from the templates)."""
    items = [i for i in items if i]
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {conjunction} {items[-1]}"
