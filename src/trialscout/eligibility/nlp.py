"""The medspaCy pipeline: vocabulary target matching and ConText.

Built on a blank English spaCy pipeline (no model download): a sentencizer,
medspaCy's ``TargetMatcher`` loaded with the condition, medication and
procedure vocabularies from ``rules/``, and medspaCy's ``ConText`` with its
default rules adjusted by ``rules/context.json``. The pipeline is built once,
on first use, by ``pipeline()``.
"""

from __future__ import annotations

import bisect
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


def _to_mention(span, flags: dict[str, bool] | None = None, offset: int = 0) -> Mention:  # type: ignore[no-untyped-def]
    """A ``Mention`` from an entity span; ``flags`` are its ConText attributes (``_context_flags``);
    ``offset`` is where the span's text starts in the doc (its offsets are given relative to that)."""
    kind, _, concept = span.label_.partition(":")
    flags = flags or {}
    return Mention(
        start=span.start_char - offset, end=span.end_char - offset, text=span.text, kind=kind,
        concept=concept or None,
        negated=bool(flags.get("is_negated")), historical=bool(flags.get("is_historical")),
        family=bool(flags.get("is_family")), hypothetical=bool(flags.get("is_hypothetical")),
        uncertain=bool(flags.get("is_uncertain")),
    )


def _context_flags(doc) -> dict[tuple[int, int], dict[str, bool]]:  # type: ignore[no-untyped-def]
    """ConText's span attributes (``is_negated`` ...) per target, read from the graph it left on the doc.

    The same values ConText writes to ``span._``, in the order it writes them, without the
    slower extension look-ups.
    """
    graph = doc._.context_graph
    if graph is None:
        return {}
    mapping = pipeline().get_pipe("medspacy_context").context_attributes_mapping or {}
    flags: dict[tuple[int, int], dict[str, bool]] = {}
    for target, modifier in graph.edges:
        attrs = mapping.get(modifier.category)
        if attrs:
            flags.setdefault((target.start_char, target.end_char), {}).update(attrs)
    return flags


def _mentions_of(doc, ents) -> list[Mention]:  # type: ignore[no-untyped-def]
    flags = _context_flags(doc)
    return [_to_mention(ent, flags.get((ent.start_char, ent.end_char))) for ent in ents]


def _context(doc, targets):  # type: ignore[no-untyped-def]
    """medspaCy ConText over the entities ``targets`` of ``doc`` (non-overlapping spans in document
    order, as ``doc.ents`` would hold them), one sentence at a time; leaves ``doc._.context_graph``.

    The component's own matcher, rules, modifiers (``ConTextModifier``) and graph logic
    (``ConTextGraph``), run per sentence: a modifier's scope lies inside its sentence, so modifiers
    and targets of different sentences never interact, and the edges are those the component finds
    over the whole doc, without its pairwise work across sentences (a doc holds many criteria) or its
    per-span attribute writes, which nothing here reads (``_context_flags`` reads the graph).
    A target that runs across a sentence break belongs to each sentence it touches.
    """
    from medspacy.context import ConTextGraph, ConTextModifier

    component = pipeline().get_pipe("medspacy_context")
    matcher = component._ConText__matcher
    strings = doc.vocab.strings
    starts = [sent.start for sent in doc.sents]
    modifiers: dict[int, list[ConTextModifier]] = {}
    all_modifiers: list[ConTextModifier] = []
    for match_id, start, end in matcher(doc):
        modifier = ConTextModifier(matcher.rule_map[strings[match_id]], start, end, doc, max_scope=component.max_scope)
        modifiers.setdefault(bisect.bisect_right(starts, start) - 1, []).append(modifier)
        all_modifiers.append(modifier)
    by_sentence: dict[int, list] = {}  # type: ignore[type-arg]
    if modifiers:
        for target in targets:
            first = bisect.bisect_right(starts, target.start) - 1
            last = bisect.bisect_right(starts, max(target.end - 1, target.start)) - 1
            for k in range(first, last + 1):
                by_sentence.setdefault(k, []).append(target)
    edges: list = []  # type: ignore[type-arg]
    for k, group in modifiers.items():
        graph = ConTextGraph(targets=by_sentence.get(k, []), modifiers=group,
                             prune_on_modifier_overlap=component.prune_on_target_overlap)
        graph.update_scopes()
        graph.apply_modifiers()
        edges += graph.edges
    doc._.context_graph = ConTextGraph(targets=targets, modifiers=all_modifiers, edges=edges,
                                       prune_on_modifier_overlap=component.prune_on_target_overlap)
    return doc


@lru_cache(maxsize=1)
def _abbrev_index() -> PhraseIndex:
    """Case-sensitive abbreviations ("COPD", "HBV") of all vocabularies; values are span labels."""
    labels: dict[str, str] = {}
    for kind in KINDS:
        for abbrev, cid in vocabulary(kind).by_abbrev.items():
            labels.setdefault(abbrev, f"{kind}:{cid}")
    return PhraseIndex({}, labels)


def _targets(doc):  # type: ignore[no-untyped-def]
    """Vocabulary targets, as medspaCy's ``TargetMatcher`` finds them, in document order (as ``doc.ents``).

    Calls the component's own matcher (same rules, same pruning of overlapping matches)
    and takes the entities in match order, skipping one that overlaps an earlier one, as
    the component does; only its per-span bookkeeping, which nothing here reads, is left out.
    The spans are returned, not stored as ``doc.ents``: nothing downstream reads the doc's
    entities (no ConText pattern uses entity types), and the ``doc.ents`` setter and getter
    cost more than the matching.
    """
    from spacy.tokens import Span

    matcher = _target_rules()
    labels = matcher.labels
    ents: list[Span] = []
    used = bytearray(len(doc))  # tokens of the entities taken so far
    for rule_id, start, end in matcher(doc):
        if start >= end or used.find(1, start, end) != -1:  # overlaps an earlier entity (matches are never empty)
            continue
        used[start:end] = b"\x01" * (end - start)
        ents.append(Span(doc, start, end, label=labels[rule_id]))
    ents.sort(key=lambda span: span.start)
    return ents


class _TargetRules:
    """The matcher inside the pipeline's ``medspacy_target_matcher``, called the way it calls itself.

    Every target rule is a literal phrase, so only its PhraseMatcher has patterns; when that
    holds, the empty token and regex matchers are skipped and the phrase matches go through
    medspaCy's own pruning of overlapping matches.
    """

    def __init__(self) -> None:
        from medspacy.common.util import prune_overlapping_matches

        nlp = pipeline()
        inner = nlp.get_pipe("medspacy_target_matcher")._TargetMatcher__matcher
        self.rule_map = inner.rule_map
        strings = nlp.vocab.strings
        # a match's label (its rule's category) as the StringStore key the span takes, by match id
        self.labels = {strings[key]: strings.add(rule.category) for key, rule in inner.rule_map.items()}
        self._inner = inner
        self._prune = prune_overlapping_matches if inner._prune else None
        only_phrases = (len(inner._MedspacyMatcher__matcher) == 0
                        and not inner._MedspacyMatcher__regex_matcher._patterns)
        self._phrases = inner._MedspacyMatcher__phrase_matcher if only_phrases else None

    def __call__(self, doc):  # type: ignore[no-untyped-def]
        if self._phrases is None:
            return self._inner(doc)
        matches = self._phrases(doc)
        return self._prune(matches) if self._prune is not None else matches


@lru_cache(maxsize=1)
def _target_rules() -> _TargetRules:
    return _TargetRules()


def _annotate(doc, parts: list[tuple[int, str]]):  # type: ignore[no-untyped-def]
    """The vocabulary and abbreviation targets of ``doc`` (in document order), with sentences and
    ConText run on the doc when it has targets.

    ``doc`` holds several texts joined by ``_JOIN``; ``parts`` are (offset, text) of each. Every
    text starts a sentence, so ConText never scopes from one text into the next.
    """
    from spacy.util import filter_spans

    nlp = pipeline()
    ents = _targets(doc)
    extra = []
    for offset, text in parts:  # per text: an abbreviation phrase must not run across two texts
        for m in _abbrev_index().finditer(text):
            span = doc.char_span(offset + m.start(), offset + m.end(), label=m.value)
            if span is not None:
                extra.append(span)
    if extra:
        ents = filter_spans(ents + extra)  # sorted by start
    if ents:
        doc = nlp.get_pipe("sentencizer")(doc)
        for offset, _ in parts[1:]:
            first = doc.char_span(offset, offset + 1, alignment_mode="expand")
            if first is not None:
                doc[first.start].is_sent_start = True
        doc = _context(doc, ents)
    return ents


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


_JOIN = "\n\n"  # between texts sharing one Doc: a whitespace token no phrase or pattern matches across
_GROUP = 32  # texts per Doc: fewer spaCy calls, while ConText's pairwise work over a Doc stays small


def mentions_many(texts: Iterable[str]) -> list[list[Mention]]:
    """``mentions`` for many texts at once; texts that name no vocabulary term skip spaCy altogether.

    The others are tokenised and annotated ``_GROUP`` at a time in one Doc (each text its own sentence
    or sentences), which costs less than one Doc per text and finds the same mentions.
    """
    texts = list(texts)
    out: list[list[Mention]] = [[] for _ in texts]
    any_term = _any_term()
    todo = [i for i, text in enumerate(texts) if any_term.contains(text)]
    make_doc = pipeline().make_doc
    with _quiet_matchers():
        for g in range(0, len(todo), _GROUP):
            group = todo[g:g + _GROUP]
            offsets = list(itertools.accumulate((len(texts[i]) + len(_JOIN) for i in group[:-1]), initial=0))
            doc = make_doc(_JOIN.join(texts[i] for i in group))
            ents = _annotate(doc, [(o, texts[i]) for o, i in zip(offsets, group)])
            flags = _context_flags(doc) if ents else {}
            for ent in ents:
                k = bisect.bisect_right(offsets, ent.start_char) - 1
                i = group[k]
                m = _to_mention(ent, flags.get((ent.start_char, ent.end_char)), offsets[k])
                if not _other_sense(m, texts[i]):
                    out[i].append(m)
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
    ents = filter_spans(ents)  # non-overlapping, sorted by start (as doc.ents would hold them)
    with _quiet_matchers():
        doc = _context(doc, ents)
    return _mentions_of(doc, ents)
