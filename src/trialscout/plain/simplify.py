"""Sentence-level simplification of the record's own words.

Used where the page quotes the record (criteria, a summary sentence when the record has
little else): clean the registry's Markdown, drop asides in brackets, say the glossary's
plain words instead of the jargon, drop openers that add nothing, and give up on a sentence
that is still long or hard. Nothing is added that the record does not say.
"""

from __future__ import annotations

import re
from functools import cache

from .readability import grade
from .resources import Resources
from .templates import Templates
from .text import capitalize_first, ensure_period, normalize, word_count

_BRACKETS = re.compile(r"\s*[(\[][^()\[\]]{0,200}[)\]]")
_CLAUSE_END = re.compile(r"[;。]")
_WORDS = re.compile(r"\w+")
_SPACE_BEFORE_PUNCT = re.compile(r"\s+([,.;:])")
#: An "a" or "an" between spaces, in any case: what :func:`_extra_articles` needs before it can match.
_ARTICLE = re.compile(r"\s[aA][nN]?\s")

MAX_SENTENCE_WORDS = 20
MAX_SENTENCE_GRADE = 10.0
MAX_ITEM_WORDS = 16
#: Glossary kinds whose plain words can stand in for the term inside a sentence of the record
#: (measures and routes describe a study, not a thing a sentence can name).
PLAIN_KINDS = ("condition", "term", "substance", "treatment", "procedure", "lab")


def drop_brackets(text: str) -> str:
    """Remove asides in brackets, keeping the words on either side apart."""
    previous = None
    while previous != text:
        previous = text
        text = _BRACKETS.sub(lambda m: " " if text[m.end():m.end() + 1].isalnum() else "", text)
    return _SPACE_BEFORE_PUNCT.sub(r"\1", re.sub(r"\s{2,}", " ", text)).strip()


def simplify_sentence(sentence: str, res: Resources) -> str | None:
    """A plainer version of one sentence of the record, or None if it stays hard."""
    text = drop_brackets(normalize(sentence))
    text = res.glossary.replace(text, kinds=PLAIN_KINDS).strip(" ;,")
    if not text or word_count(text) > MAX_SENTENCE_WORDS or word_count(text) < 4:
        return None
    if ":" in text or text.count(",") > 3:
        return None
    text = ensure_period(capitalize_first(text))
    if grade(text, res.templates.readability_lang) > MAX_SENTENCE_GRADE:
        return None
    return text


@cache
def _item_rules(templates: Templates) -> tuple[tuple[frozenset[str], tuple[str, ...]], tuple[str, ...], re.Pattern[str]]:
    reading = templates.raw("reading")
    words = [w.lower() for w in reading["skip_when"]]
    skip = (frozenset(w for w in words if re.fullmatch(r"\w+", w)), tuple(w for w in words if not re.fullmatch(r"\w+", w)))
    prefixes = "|".join(re.escape(p) for p in sorted(reading["strip_prefixes"], key=len, reverse=True))
    return skip, tuple(reading["heading_endings"]), re.compile(rf"^(?:{prefixes})\s+", re.IGNORECASE)


def simplify_item(text: str, res: Resources) -> str | None:
    """A criterion as a short plain line ("Patients with severe active bleeding;" → "Severe active bleeding")."""
    skip, endings, prefix = _item_rules(res.templates)
    if len(text) > 40 * MAX_ITEM_WORDS or text.rstrip().endswith(endings):
        return None
    lowered = text.lower()
    single, phrases = skip
    if not single.isdisjoint(_WORDS.findall(lowered)) or any(p in lowered for p in phrases):
        return None
    line = drop_brackets(normalize(text)) if "(" in text or "[" in text else normalize(text)
    line = _CLAUSE_END.split(line, maxsplit=1)[0].strip(" .,:")
    line = prefix.sub("", line, count=1).strip()
    if not line or word_count(line) > MAX_ITEM_WORDS:
        return None
    line = res.glossary.replace(line, kinds=PLAIN_KINDS).strip(" .,:")
    if not line or word_count(line) > MAX_ITEM_WORDS:
        return None
    if _ARTICLE.search(line) is not None:  # (the pattern below is slow; it needs a lone "a" or "an")
        line = _extra_articles(templates=res.templates).sub(r"\1 ", line)
    return capitalize_first(line)


@cache
def _extra_articles(templates: Templates) -> re.Pattern[str]:
    """ "a"/"an" right after a determiner or an adjective (the glossary's plain words start with one)."""
    words = "|".join(re.escape(w) for w in sorted(templates.raw("reading.no_article_after"), key=len, reverse=True))
    return re.compile(rf"(?<!\w)({words})\s+an?\s+(?=\w)", re.IGNORECASE)
