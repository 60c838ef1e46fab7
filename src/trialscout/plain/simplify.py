"""Sentence-level simplification of the record's own words.

Used where the page quotes the record (criteria, a summary sentence when the record has
little else): clean the registry's Markdown, drop asides in brackets, say the glossary's
plain words instead of the jargon, drop openers that add nothing, and give up on a sentence
that is still long or hard. Nothing is added that the record does not say.
"""

from __future__ import annotations

import re

from .readability import grade
from .resources import Resources
from .text import capitalize_first, ensure_period, normalize, word_count

_BRACKETS = re.compile(r"\s*[(\[][^()\[\]]{0,200}[)\]]")
_SPACE_BEFORE_PUNCT = re.compile(r"\s+([,.;:])")

MAX_SENTENCE_WORDS = 20
MAX_SENTENCE_GRADE = 10.0
MAX_ITEM_WORDS = 16


def _drop_brackets(text: str) -> str:
    previous = None
    while previous != text:
        previous, text = text, _BRACKETS.sub("", text)
    return _SPACE_BEFORE_PUNCT.sub(r"\1", text).strip()


def simplify_sentence(sentence: str, res: Resources) -> str | None:
    """A plainer version of one sentence of the record, or None if it stays hard."""
    text = _drop_brackets(normalize(sentence))
    text = res.glossary.replace(text).strip(" ;,")
    if not text or word_count(text) > MAX_SENTENCE_WORDS or word_count(text) < 4:
        return None
    if ":" in text or text.count(",") > 3:
        return None
    text = ensure_period(capitalize_first(text))
    if grade(text, res.templates.readability_lang) > MAX_SENTENCE_GRADE:
        return None
    return text


def simplify_item(text: str, res: Resources) -> str | None:
    """A criterion as a short plain line ("Patients with severe active bleeding;" → "Severe active bleeding")."""
    reading = res.templates.raw("reading")
    line = normalize(text)
    lowered = line.lower()
    if any(word in lowered for word in reading["skip_when"]):
        return None
    if line.rstrip().endswith(tuple(reading["heading_endings"])):
        return None
    line = _drop_brackets(line)
    line = re.split(r"[;。]", line)[0].strip(" .,:")
    for prefix in sorted(reading["strip_prefixes"], key=len, reverse=True):
        if line.lower().startswith(prefix + " "):
            line = line[len(prefix) + 1:].strip()
            break
    line = res.glossary.replace(line).strip(" .,:")
    if not line or word_count(line) > MAX_ITEM_WORDS or word_count(line) < 1:
        return None
    return capitalize_first(line)
