"""The medspaCy pipeline: vocabulary target matching and ConText.

Built on a blank English spaCy pipeline (no model download): a sentencizer,
medspaCy's ``TargetMatcher`` loaded with the condition, medication and
procedure vocabularies from ``rules/``, and medspaCy's ``ConText`` with its
default rules adjusted by ``rules/context.json``. The pipeline is built once,
on first use, by ``pipeline()``.
"""

from __future__ import annotations

import itertools
import json
import re
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Iterator

from .phrasematch import PhraseIndex
from .ruleset import load_rules_file, vocabulary

if TYPE_CHECKING:  # pragma: no cover
    from spacy.language import Language

KINDS = ("condition", "medication", "procedure")


@dataclass(frozen=True)
class Mention:
    """A vocabulary term found in text, with its ConText attributes."""

    start: int
    end: int
    text: str
    kind: str
    concept: str | None
    negated: bool = False
    historical: bool = False
    family: bool = False
    hypothetical: bool = False
    uncertain: bool = False


def _quiet_loguru() -> None:
    try:  # medspaCy's sentence splitter logs through loguru at DEBUG; we do not use it
        from loguru import logger

        logger.disable("PyRuSH")
    except ImportError:  # pragma: no cover
        pass


def _default_context_rules_path() -> Path:
    import medspacy

    base = Path(medspacy.__file__).resolve().parents[1]
    return base / "resources" / "en" / "context_rules.json"


def _expand_pattern(pattern: object) -> list[str] | None:
    """Spell out a token pattern made only of LOWER / IN / OP "?" as literal phrases.

    Literal phrases go to spaCy's PhraseMatcher, which is about ten times faster
    than the token Matcher; patterns using anything else are kept as they are.
    """
    if not isinstance(pattern, list) or not pattern:
        return None
    options: list[list[str]] = []
    for token in pattern:
        if not isinstance(token, dict) or set(token) - {"LOWER", "OP"} or token.get("OP") not in (None, "?"):
            return None
        value = token.get("LOWER")
        words = value.get("IN") if isinstance(value, dict) else [value]
        if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
            return None
        options.append(words + ([""] if token.get("OP") == "?" else []))
    phrases = [" ".join(w for w in combo if w) for combo in itertools.product(*options)]
    return [p for p in dict.fromkeys(phrases) if p] or None


@lru_cache(maxsize=1)
def pipeline() -> "Language":
    """The shared, read-only spaCy pipeline (built on first call, about one second)."""
    _quiet_loguru()
    import spacy
    from medspacy.context import ConTextRule
    from medspacy.target_matcher import TargetRule

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    matcher = nlp.add_pipe("medspacy_target_matcher")
    rules = []
    for kind in KINDS:
        vocab = vocabulary(kind)
        for name, cid in vocab.by_name.items():
            rules.append(TargetRule(name, f"{kind}:{cid}"))
    matcher.add(rules)
    context = nlp.add_pipe("medspacy_context", config={"rules": None})
    adjust = load_rules_file("context.json")
    disabled = {d.lower() for d in adjust.get("disable", [])}
    defaults = json.loads(_default_context_rules_path().read_text(encoding="utf-8"))["context_rules"]
    ctx_rules = []
    for r in defaults:
        if r["literal"].lower() in disabled:
            continue
        literals = _expand_pattern(r.get("pattern")) or [None]
        for literal in literals:
            ctx_rules.append(ConTextRule(literal or r["literal"], r["category"],
                                         direction=r.get("direction", "BIDIRECTIONAL"),
                                         pattern=r.get("pattern") if literals == [None] else None,
                                         max_scope=r.get("max_scope")))
    ctx_rules += [
        ConTextRule(r["literal"], r["category"], direction=r.get("direction", "BIDIRECTIONAL"),
                    max_scope=r.get("max_scope"))
        for r in adjust.get("add", [])
    ]
    context.add(ctx_rules)
    return nlp


@contextmanager
def _quiet_matchers() -> Iterator[None]:
    """All rules are literal phrases, so medspaCy's token Matchers are empty on purpose: hush spaCy's W036."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r".*\[W036\]", category=UserWarning)
        yield


def _to_mention(span) -> Mention:  # type: ignore[no-untyped-def]
    kind, _, concept = span.label_.partition(":")
    return Mention(
        start=span.start_char, end=span.end_char, text=span.text, kind=kind, concept=concept or None,
        negated=bool(span._.is_negated), historical=bool(span._.is_historical), family=bool(span._.is_family),
        hypothetical=bool(span._.is_hypothetical), uncertain=bool(span._.is_uncertain),
    )


@lru_cache(maxsize=1)
def _abbrev_index() -> PhraseIndex:
    """Case-sensitive abbreviations ("COPD", "HBV") of all vocabularies; values are span labels."""
    labels: dict[str, str] = {}
    for kind in KINDS:
        for abbrev, cid in vocabulary(kind).by_abbrev.items():
            labels.setdefault(abbrev, f"{kind}:{cid}")
    return PhraseIndex({}, labels)


def _annotate(doc):  # type: ignore[no-untyped-def]
    """Add abbreviation targets, then run ConText only when the doc has targets."""
    from spacy.util import filter_spans

    extra = []
    for m in _abbrev_index().finditer(doc.text):
        span = doc.char_span(m.start(), m.end(), label=m.value)
        if span is not None:
            extra.append(span)
    ents = list(doc.ents)
    if extra:
        ents = filter_spans(ents + extra)
        doc.ents = ents
    if ents:
        doc = pipeline().get_pipe("medspacy_context")(doc)
    return doc


def mentions(text: str) -> list[Mention]:
    """Vocabulary mentions in ``text`` with negation, history, family and hypothetical flags."""
    return mentions_many([text])[0]


def _other_sense(m: Mention, text: str) -> bool:
    """True when a word listed in the concept's ``not_after`` precedes it ("ST segment depression")."""
    if not m.concept:
        return False
    concept = vocabulary(m.kind).concepts.get(m.concept)
    if concept is None or not concept.not_after:
        return False
    before = re.findall(r"[\w-]+", text[max(0, m.start - 40):m.start].lower())[-4:]
    window = " ".join(before)
    return any(re.search(rf"(?<![\w-]){re.escape(w)}(?![\w-])", window) for w in concept.not_after)


@lru_cache(maxsize=1)
def _any_term() -> PhraseIndex:
    """Every vocabulary name and abbreviation: a cheap test of whether a text needs the pipeline at all."""
    names: dict[str, str] = {}
    abbrevs: dict[str, str] = {}
    for kind in KINDS:
        names.update(dict.fromkeys(vocabulary(kind).by_name, kind))
        abbrevs.update(dict.fromkeys(vocabulary(kind).by_abbrev, kind))
    return PhraseIndex(names, abbrevs)


def mentions_many(texts: Iterable[str]) -> list[list[Mention]]:
    """``mentions`` for many texts at once: one ``nlp.pipe`` pass over the texts that name any term."""
    texts = list(texts)
    out: list[list[Mention]] = [[] for _ in texts]
    todo = [i for i, text in enumerate(texts) if _any_term().search(text) is not None]
    with _quiet_matchers():
        docs = pipeline().pipe((texts[i] for i in todo), batch_size=256, disable=["medspacy_context"])
        for i, doc in zip(todo, docs):
            found = [_to_mention(ent) for ent in _annotate(doc).ents]
            out[i] = [m for m in found if not _other_sense(m, texts[i])]
    return out


def context_for_spans(text: str, spans: list[tuple[int, int, str, str | None]]) -> list[Mention]:
    """Run ConText on caller-chosen spans ``(start, end, kind, concept)`` of ``text``.

    Used for terms that are not in the vocabulary (a condition phrase read from a
    criterion, looked up in a clinical note).
    """
    from spacy.util import filter_spans

    nlp = pipeline()
    doc = nlp.make_doc(text)
    doc = nlp.get_pipe("sentencizer")(doc)
    ents = []
    for start, end, kind, concept in spans:
        span = doc.char_span(start, end, label=f"{kind}:{concept or ''}", alignment_mode="expand")
        if span is not None:
            ents.append(span)
    doc.ents = filter_spans(ents)
    with _quiet_matchers():
        doc = nlp.get_pipe("medspacy_context")(doc)
    return [_to_mention(ent) for ent in doc.ents]
