"""Split free-text eligibility into single inclusion and exclusion criteria.

Handles every layout seen in the registry: Markdown bullets (``*``, ``-``, ``•``),
numbered items (``1.``, ``1)``, ``(a)``, ``ii.``), nested sub-items (by
indentation), section headers with their variants ("Key Inclusion Criteria",
"INCLUSION CRITERIA", "Inclusion:", "Donor Exclusion Criteria") or no header at
all (everything is inclusion), Markdown escapes (``\\>``), items spanning
several lines and legacy hard-wrapped paragraphs.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict

from .errors import CriteriaError
from .text import unescape

CriterionKind = Literal["inclusion", "exclusion"]


class Criterion(BaseModel):
    """One criterion as written in the record.

    ``index`` is its position in the document (0-based), ``parent`` the index of
    the item it is nested under, ``section`` a sub-heading such as "Donor
    Exclusion Criteria" when the record has more than the plain two headings.
    """

    model_config = ConfigDict(frozen=True)

    kind: CriterionKind
    text: str
    index: int
    parent: int | None = None
    section: str | None = None
    depth: int = 0
    source: Literal["text", "registry"] = "text"


_MARKER = re.compile(
    r"^(?:(?:\\?[-*•·▪◦‣⁃∙●○■□➢►→]|o(?=\s))(?:\s+|(?=[A-Za-z(\[\"'])))"
    r"|^(?:\(?\d{1,2}[.)](?!\d)\s*|\(\d{1,2}\)\s*|\(?[a-zA-Z][.)](?=\s)\s*|\([a-zA-Z]\)\s*"
    r"|(?:i{1,3}|iv|vi{0,3}|ix|x)[.)](?=\s)\s*|\d{1,2}\.\d{1,2}\.?(?=\s)\s*|[A-Z]{1,3}\.\d+(?:\.\d+)*\s+)"
)
_HEADER_COLON = re.compile(
    r"^(?P<head>[^:]{0,80}?\b(?P<kind>inclusions?|exclusions?)\b[^:]{0,60}?)\s*:\s*(?P<rest>.*)$",
    re.IGNORECASE)
_HEADER_BARE = re.compile(
    r"^(?P<head>[\w .\-/()]{0,40}?\b(?P<kind>inclusion|exclusion)\s+criteria\b[\w .\-/()]{0,40}?)\s*$", re.IGNORECASE)
_HEADER_DOT = re.compile(
    r"^(?P<head>(?:\w+\s+){0,3}(?P<kind>inclusion|exclusion)\s+criteria)\s*[.:-]\s+(?P<rest>.+)$", re.IGNORECASE)
_INLINE_NUMBER = re.compile(r"(?:(?<=\s)|(?<=[.;:]))\(?(\d{1,2})[.)]\s*(?=[A-Za-z(\"'])")
_NOT_HEADER = re.compile(
    r"\b(not|meet|meets|meeting|met|fulfil|fulfill|fulfils|fulfills|failure|fail|fails|apply|applies|may|must|"
    r"is|are|was|were|will|any participant|see|per|refer)\b", re.IGNORECASE)
_EMPTY_ITEM = re.compile(r"^(?:none|n/?a|not applicable|nil|no exclusion criteria|no inclusion criteria|-+)\.?$",
                         re.IGNORECASE)


def _strip_markers(body: str) -> tuple[int, str]:
    """Remove leading list markers (possibly stacked, e.g. ``- • 1.``); return (count, rest)."""
    count = 0
    while True:
        match = _MARKER.match(body)
        if not match or match.end() == 0:
            return count, body
        body = body[match.end():].lstrip()
        count += 1


_HEADER_WORD = re.compile(r"inclusion|exclusion", re.IGNORECASE)  # every heading pattern needs one of these


def _header(content: str) -> tuple[CriterionKind, str, str] | None:
    """(kind, heading, inline rest) when ``content`` is a section heading."""
    if not _HEADER_WORD.search(content):
        return None
    match = _HEADER_COLON.match(content)
    if match:
        head = match.group("head").strip()
        words = head.split()
        if not _NOT_HEADER.search(head) and len(words) <= 9 and ("criteri" in head.lower() or len(words) <= 3):
            return _kind(match.group("kind")), head, match.group("rest").strip()
    match = _HEADER_DOT.match(content)
    if match and not _NOT_HEADER.search(match.group("head")):
        return _kind(match.group("kind")), match.group("head").strip(), match.group("rest").strip()
    match = _HEADER_BARE.match(content.rstrip(" ."))
    if match and not content.rstrip().endswith(".") and not _NOT_HEADER.search(content):
        if len(content.split()) <= 9:
            return _kind(match.group("kind")), match.group("head").strip(), ""
    return None


def _kind(word: str) -> CriterionKind:
    return "exclusion" if word.lower().startswith("exclu") else "inclusion"


_PLAIN_HEADINGS = re.compile(r"^(?:key\s+|main\s+|general\s+|list\s+of\s+)?(?:inclusion|exclusion)s?(?:\s+criteria)?$",
                             re.IGNORECASE)


def split_criteria(text: str) -> list[Criterion]:
    """Split an eligibility text into ``Criterion`` items in document order.

    Items before any heading count as inclusion criteria. Sub-items keep the
    index of their parent in ``parent``. Raises ``CriteriaError`` only when
    ``text`` is not a string.
    """
    if not isinstance(text, str):
        raise CriteriaError(f"Eligibility text must be a string, not {type(text).__name__}: pass the "
                            "eligibilityCriteria field of the record.")
    items: list[dict] = []
    stack: list[tuple[int, int]] = []  # (indent, item position)
    kind: CriterionKind = "inclusion"
    section: str | None = None
    current: int | None = None
    blank_before = False
    for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = raw.expandtabs(4) if "\t" in raw else raw
        if "\\" in line:
            line = unescape(line)
        body = line.strip()
        if not body:
            blank_before = True
            continue
        indent = len(line) - len(line.lstrip())
        markers, content = _strip_markers(body)
        header = _header(content)
        if header:
            kind, heading, rest = header
            section = None if _PLAIN_HEADINGS.match(heading) else heading
            stack, current, blank_before = [], None, False
            if rest and not _EMPTY_ITEM.match(rest):
                items.append({"kind": kind, "section": section, "indent": indent, "lines": [rest], "parent": None})
                current = len(items) - 1
                stack = [(indent, current)]
            continue
        if markers:
            while stack and stack[-1][0] >= indent:
                stack.pop()
            parent = stack[-1][1] if stack else None
            items.append({"kind": kind, "section": section, "indent": indent, "lines": [content], "parent": parent})
            current = len(items) - 1
            stack.append((indent, current))
        elif current is not None and (not blank_before or indent > items[current]["indent"]):
            items[current]["lines"].append(content)
        else:
            while stack and stack[-1][0] > indent:
                stack.pop()
            parent = stack[-1][1] if stack and stack[-1][0] < indent else None
            items.append({"kind": kind, "section": section, "indent": indent, "lines": [content], "parent": parent})
            current = len(items) - 1
            if parent is None:
                stack = []
            stack.append((indent, current))
        blank_before = False
    return _finish(items)


_SPACE_RUN = re.compile(r"\s+")
_HAS_WORD = re.compile(r"[^\W_]")
_NUMBER_MARK = re.compile(r"\d[.)]")  # _INLINE_NUMBER needs a digit then "." or ")"


def _join(lines: list[str]) -> str:
    out = lines[0]
    for nxt in lines[1:]:
        if out.endswith("-") and not out.endswith(" -") and nxt[:1].islower():
            out += nxt
        else:
            out += " " + nxt
    return _SPACE_RUN.sub(" ", out).strip()


def _split_inline(text: str) -> list[str]:
    """Split "a 2. b 3. c" (a numbered list run into one line) at its sequential numbers."""
    if not _NUMBER_MARK.search(text):
        return [text]
    marks = [(m.start(), int(m.group(1)), m.end()) for m in _INLINE_NUMBER.finditer(text)
             if m.group(0).startswith("(") == m.group(0).rstrip().endswith(")") or m.group(0).rstrip()[-1] == "."]
    chain: list[tuple[int, int, int]] = []
    for mark in marks:
        if chain and mark[1] == chain[-1][1] + 1:
            chain.append(mark)
        elif not chain or len(chain) < 2:
            chain = [mark]
    if len(chain) < 2:
        return [text]
    pieces, start = [], 0
    for pos, _, end in chain:
        pieces.append(text[start:pos])
        start = end
    pieces.append(text[start:])
    return [p.strip(" ;,") for p in pieces if p.strip(" ;,")]


def _finish(items: list[dict]) -> list[Criterion]:
    """Drop empty items, split run-in lists, renumber, and map parent positions to indexes."""
    keep: dict[int, int] = {}
    result: list[Criterion] = []
    for pos, item in enumerate(items):
        parent = item["parent"]
        while parent is not None and parent not in keep:
            parent = items[parent]["parent"]
        parent_index = keep.get(parent) if parent is not None else None
        depth = result[parent_index].depth + 1 if parent_index is not None else 0
        for text in _split_inline(_join(item["lines"]).rstrip(" ;,")):
            if not text or _EMPTY_ITEM.match(text) or not _HAS_WORD.search(text):
                continue
            keep[pos] = len(result)
            result.append(Criterion(kind=item["kind"], text=text, index=len(result), parent=parent_index,
                                    section=item["section"], depth=depth))
    return result
