"""Phrase-level helpers for the criteria parser.

``qualifier_start`` finds words that narrow a vocabulary term ("severe active
bleeding"), so the constraint is marked inexact. ``fallback_terms`` reads a
condition named in plain words that the vocabulary does not know ("Patients with
circulatory collapse"): it is kept as a term to ask about, never mapped to a
guessed concept.
"""

from __future__ import annotations

import re

from .phrasematch import word_set
from .ruleset import cue_first_words, cue_matcher, filler_words

_STOP_PUNCT = re.compile(r"[,;:.()\[\]\d<>=]")
_WORD_BACK = re.compile(r"([A-Za-z][A-Za-z'’-]*)\s*$")

_LEAD_IN = re.compile(
    r"^(?:(?:any|no|not|without|non)\s+)?"
    r"(?:(?:patients?|subjects?|participants?|people|individuals|persons|women|men|children|adults|those|cases)\s+"
    r"(?:with|who\s+(?:have|had|has)(?:\s+(?:a|an))?|having|suffering\s+from|diagnosed\s+with|presenting\s+with)"
    r"|(?:a\s+)?(?:(?:known|documented|prior|previous|past|clinical|confirmed|established|current|active|recent)\s+)?"
    r"(?:(?:medical|clinical)\s+)?(?:history|diagnosis|presence|evidence|signs?|symptoms?)\s+of"
    r"|diagnosed\s+(?:with|as)|suffering\s+from|known|active|current|currently(?:\s+(?:a|an|has|have|having))?)\s+",
    re.IGNORECASE)
_PHRASE_STOP = re.compile(
    r"[,;:.()\[\]\d<>=]|\b(?:who|whom|that|which|requiring|requires|required|with|without|in|at|on|within|for|during|due|"
    r"caused|because|as|than|except|unless|including|such|if|when|where|after|before|prior|since|defined|based|by|from|"
    r"according|e\.g|i\.e|etc)\b", re.IGNORECASE)
_SPLIT = re.compile(r"\s*(?:,|/|\bor\b|\band\b|\band/or\b)\s*", re.IGNORECASE)
_NOT_A_TERM = re.compile(
    r"\b(?:be|is|are|was|were|been|have|has|had|must|can|could|will|would|should|may|might|able|unable|willing|"
    r"unwilling|agree|agrees|sign|signed|provide|provided|give|receive|received|take|taking|participate|participation|"
    r"study|trial|protocol|investigator|consent|any|all|other|following|criteria|criterion|listed|above|below|"
    r"allowed|permitted|eligible|excluded|included|use|using|treatment|therapy|drug|drugs|medication|medications|"
    r"need|needs|needed|do|does|did|not|no|if|it|this|these|those|they|their|his|her|we|you|your|patient|patients|"
    r"subject|subjects|person|people|years?|months?|weeks?|days?|benefit|response|responder|from|score|level|"
    r"value|count|test|result|results|receiving|pharmacotherapy|treatments?|medicines?|procedures?|interventions?|"
    r"medications?|drugs?)\b",
    re.IGNORECASE)


_WORD_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'’-")


_LETTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")


def _word_before(text: str, pos: int) -> tuple[int, str] | None:
    """(start, word) of ``_WORD_BACK.search(text, 0, pos)``, read backwards from ``pos``.

    The match ends at ``pos`` after only whitespace, so its word is the run of word characters
    before that whitespace, from the run's first letter on.
    """
    end = pos
    while end > 0 and text[end - 1].isspace():
        end -= 1
    start = end
    while start > 0 and text[start - 1] in _WORD_CHARS:
        start -= 1
    while start < end and text[start] not in _LETTERS:
        start += 1
    return (start, text[start:end]) if start < end else None


def qualifier_start(text: str, start: int, taken: list[tuple[int, int]], max_words: int = 3) -> int:
    """Start of the qualifiers right before a term ("severe active" in "severe active bleeding").

    Walks back word by word (only whitespace between them), stopping at punctuation, numbers,
    filler words or text already used by another constraint. Returns ``start`` when there are none.
    """
    pos = start
    for _ in range(max_words):
        found = _word_before(text, pos)
        if found is None:
            break
        at, word = found
        if word.lower() in filler_words() or any(s < pos and at < e for s, e in taken):
            break
        pos = at
    return pos


_ITEM_END = re.compile(r"[,;:.()\[\]<>=]|\b(?:or|and|but|nor|who|whom|which|that|except|unless|including|such\s+as|"
                      r"e\.g|i\.e|if|when|while)\b", re.IGNORECASE)


def post_qualified(text: str, end: int, taken: list[tuple[int, int]]) -> bool:
    """True when words right after a term narrow it ("pneumonia requiring hospitalization").

    Looks up to the end of the list item (comma, "or", "who", a bracket ...); words
    that are filler or belong to another constraint do not count.
    """
    stop = _ITEM_END.search(text, end)
    segment_end = stop.start() if stop else len(text)
    for m in re.finditer(r"[A-Za-z][A-Za-z'’-]*|\d+", text[end:segment_end]):
        start = end + m.start()
        if any(s <= start < e for s, e in taken):
            continue
        if m.group(0).lower() not in filler_words():
            return True
    return False


_QUALIFIER_END = re.compile(r"[,;:.()\[\]<>=]|\b(?:but|nor|who|whom|which|that|except|unless|including|"
                            r"such\s+as|e\.g|i\.e|if|when|while)\b", re.IGNORECASE)


def post_qualifier_end(text: str, end: int, taken: list[tuple[int, int]]) -> int:
    """End of the words after a term that narrow it ("in the early and intermediate stages").

    Like ``post_qualified`` but read on over "and"/"or" (the qualifier "early and intermediate"),
    stopping before another constraint; trailing filler words ("caused by various reasons") are
    left out. Returns ``end`` when no word narrows the term.
    """
    stop = _QUALIFIER_END.search(text, end)
    limit = min([stop.start() if stop else len(text)] + [s for s, _ in taken if s >= end])
    last = end
    for m in re.finditer(r"[A-Za-z][A-Za-z'’-]*|\d+", text[end:limit]):
        if m.group(0).lower() not in filler_words():
            last = end + m.end()
    return last


def _clean_item(text: str, start: int, end: int) -> tuple[int, int] | None:
    seg = text[start:end]
    lead = len(seg) - len(seg.lstrip())
    seg = seg.strip()
    m = re.match(r"(?i)(?:(?:a|an|the|any|other|some|known)\s+)+", seg)
    if m:
        lead += m.end()
        seg = seg[m.end():]
    seg = seg.rstrip(" .-")
    words = seg.split()
    if not 1 <= len(words) <= 5 or _NOT_A_TERM.search(seg):
        return None
    if not all(re.fullmatch(r"[A-Za-z][A-Za-z'’-]*", w) for w in words):
        return None
    if all(w.lower() in filler_words() for w in words) or len(seg) < 3:
        return None
    s = start + lead
    return s, s + len(seg)


def _items(text: str, start: int, end: int) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    pos = start
    for m in _SPLIT.finditer(text, start, end):
        item = _clean_item(text, pos, m.start())
        if item:
            out.append(item)
        pos = m.end()
    item = _clean_item(text, pos, end)
    if item:
        out.append(item)
    return out


_NOT_A_CONDITION = ("consent", "compliance", "practical", "judgement", "other_trial", "pregnancy", "lactation",
                    "childbearing")


def fallback_terms(text: str, kind: str, has_other: bool) -> list[tuple[int, int]]:
    """Spans of plain-word condition terms when the vocabulary found none.

    Read after a lead-in ("Patients with X", "History of X or Y") or, for a short
    criterion with nothing else in it, the criterion itself ("Chest tubes").
    Criteria about consent, visits, pregnancy or other studies are left alone.
    """
    if not cue_first_words(_NOT_A_CONDITION).isdisjoint(word_set(text)):  # else none of the cues can match
        for cue in _NOT_A_CONDITION:
            if cue_matcher(cue).search(text):
                return []
    body = text.rstrip(" .;")
    m = _LEAD_IN.match(body)
    if m:
        stop = _PHRASE_STOP.search(body, m.end())
        end = stop.start() if stop else len(body)
        if end > m.end():
            return _items(body, m.end(), end)
        return []
    if has_other:
        return []
    stripped = re.sub(r"(?i)^(?:no|not|without|non|any|currently|current|active)\s+(?:(?:a|an)\s+)?", "", body)
    offset = len(body) - len(stripped)
    if len(stripped.split()) <= 4 and not _PHRASE_STOP.search(stripped):
        return _items(body, offset, len(body))
    return []
