"""The medspaCy pipeline: vocabulary target matching and ConText.

Built on a blank English spaCy pipeline (no model download): a sentencizer,
medspaCy's ``TargetMatcher`` loaded with the condition, medication and
procedure vocabularies from ``rules/``, and medspaCy's ``ConText`` with its
default rules adjusted by ``rules/context.json``. The pipeline is built once,
on first use, by ``pipeline()``.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

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


@lru_cache(maxsize=1)
def pipeline() -> "Language":
    """The shared, read-only spaCy pipeline (built on first call, about one second)."""
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
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
        for abbrev, cid in vocab.by_abbrev.items():
            pattern = [{"TEXT": tok.text} for tok in nlp.make_doc(abbrev)]
            rules.append(TargetRule(abbrev, f"{kind}:{cid}", pattern=pattern))
    matcher.add(rules)
    context = nlp.add_pipe("medspacy_context", config={"rules": None})
    adjust = load_rules_file("context.json")
    disabled = {d.lower() for d in adjust.get("disable", [])}
    defaults = json.loads(_default_context_rules_path().read_text(encoding="utf-8"))["context_rules"]
    ctx_rules = [
        ConTextRule(r["literal"], r["category"], direction=r.get("direction", "BIDIRECTIONAL"),
                    pattern=r.get("pattern"), max_scope=r.get("max_scope"))
        for r in defaults if r["literal"].lower() not in disabled
    ]
    ctx_rules += [
        ConTextRule(r["literal"], r["category"], direction=r.get("direction", "BIDIRECTIONAL"),
                    max_scope=r.get("max_scope"))
        for r in adjust.get("add", [])
    ]
    context.add(ctx_rules)
    return nlp


def _to_mention(span) -> Mention:  # type: ignore[no-untyped-def]
    kind, _, concept = span.label_.partition(":")
    return Mention(
        start=span.start_char, end=span.end_char, text=span.text, kind=kind, concept=concept or None,
        negated=bool(span._.is_negated), historical=bool(span._.is_historical), family=bool(span._.is_family),
        hypothetical=bool(span._.is_hypothetical), uncertain=bool(span._.is_uncertain),
    )


def mentions(text: str) -> list[Mention]:
    """Vocabulary mentions in ``text`` with negation, history, family and hypothetical flags."""
    return [_to_mention(ent) for ent in pipeline()(text).ents]


def mentions_many(texts: Iterable[str]) -> list[list[Mention]]:
    """``mentions`` for many texts at once (faster: one ``nlp.pipe`` pass)."""
    return [[_to_mention(ent) for ent in doc.ents] for doc in pipeline().pipe(texts, batch_size=256)]


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
    doc = nlp.get_pipe("medspacy_context")(doc)
    return [_to_mention(ent) for ent in doc.ents]
