"""Turn a criterion into typed constraints (``parse_criterion``) and a whole record into a
``ParsedEligibility`` (``parse_eligibility``).

The extractors are rules applied to data: cue phrases (``rules/cues.json``),
vocabularies matched by medspaCy with ConText attributes (``nlp.py``), and numeric
patterns (``measures.py``). What the rules do not explain is kept: a criterion
with nothing understood becomes a ``NeedsReview`` item; words left over lower the
criterion's ``coverage`` so evaluation never claims more than was read.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict

from .ages import find_ages
from .constraints import (
    ConditionConstraint, MedicationConstraint, NeedsReview, ParsedCriterion, ParsedEligibility, ProcedureConstraint,
)
from .criteria import Criterion, split_criteria
from .cue_items import find_pregnancy, find_sex, find_special, overlaps
from .errors import CriteriaError
from .grades import find_scores
from .measures import Found, find_labs
from .nlp import Mention, context_for_spans, mentions_many
from .phrases import fallback_terms, post_qualified, post_qualifier_end, qualifier_start
from .registry import registry_criteria
from .ruleset import filler_words
from .text import may_match, normalize
from .windows import find_windows

_HARD = ("age", "lab", "score", "condition", "medication", "procedure", "pregnancy", "sex")
_ENTITY = {"condition", "medication", "procedure"}
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*|\d+(?:[.,]\d+)?")


def _context(m: Mention) -> str:
    if m.family:
        return "family"
    if m.hypothetical:
        return "hypothetical"
    if m.uncertain:
        return "uncertain"
    if m.historical:
        return "historical"
    return "current"


def _entity(m: Mention, exact: bool, text: str) -> ConditionConstraint | MedicationConstraint | ProcedureConstraint:
    ctx = _context(m)
    common = dict(term=m.text, concept=m.concept, present=not m.negated, exact=exact, text=text)
    if m.kind == "medication":
        return MedicationConstraint(context=ctx, **common)  # type: ignore[arg-type]
    if m.kind == "procedure":
        return ProcedureConstraint(context=ctx if ctx != "current" else "historical", **common)  # type: ignore[arg-type]
    return ConditionConstraint(context=ctx, **common)  # type: ignore[arg-type]


_SINCE = re.compile(r"(?i)\bsince\b")


def _bare(w: Found) -> bool:
    """A length with a bare comparator ("> one week"), which may also be an age: kept only after a term."""
    return w.item.text[:1] in "<>" and w.item.kind.startswith("duration")


def _attach_windows(found: list[Found], windows: list[Found], text: str) -> list[Found]:
    entities = [f for f in found if getattr(f.item, "type", "") in _ENTITY]
    for w in windows:
        before = [f for f in entities if f.end <= w.start]
        after = [f for f in entities if f.start >= w.end]
        since = _SINCE.search(w.item.text) is not None  # ">= 2 weeks since major surgery": the event is the anchor
        inside = [f for f in entities if since and w.start <= f.start and f.end <= w.end]
        target = inside[0] if inside else (before[-1] if before else (after[0] if after else None))
        if _bare(w):  # "fever > one week": only the term just before
            target = before[-1] if before and not text[before[-1].end:w.start].strip() else None
        if target is None or target.item.window is not None:
            continue
        update: dict[str, object] = {"window": w.item}
        if inside and w.item.kind == "before":
            # "at least 2 weeks since surgery": no surgery in the last 2 weeks (never having had it also qualifies)
            update = {"window": w.item.model_copy(update={"kind": "within"}), "present": not target.item.present}
        new = Found(target.start, target.end, target.item.model_copy(update=update))
        found[found.index(target)] = new
        entities[entities.index(target)] = new
    return found


def _merge_lab_alternatives(found: list[Found], text: str) -> list[Found]:
    out: list[Found] = []
    for f in sorted(found, key=lambda x: x.start):
        prev = out[-1] if out else None
        if (prev is not None and prev.item.type == "lab" and f.item.type == "lab"
                and re.fullmatch(r"[\s,;]*\(?\s*(?:or|and/or)\b.*", text[prev.end:f.start], re.I | re.S)
                and len(text[prev.end:f.start]) < 40):
            alts = [*prev.item.alternatives, f.item]
            out[-1] = Found(prev.start, f.end, prev.item.model_copy(update={"alternatives": alts}))
        else:
            out.append(f)
    return out


def _residual(text: str, spans: list[tuple[int, int]]) -> str:
    mask = bytearray(len(text) + 1)
    for s, e in spans:
        mask[max(s, 0):max(e, 0)] = b"\x01" * (max(e, 0) - max(s, 0))
    filler = filler_words()
    keep = []
    for m in _WORD.finditer(text):
        if mask.find(1, m.start(), m.end()) != -1:
            continue
        word = m.group(0).lower().strip("'’-")
        if word and word not in filler and not (len(word) == 1 and word in _LETTERS):
            keep.append(m.group(0))
    return " ".join(keep)


_LETTERS = "abcdefghijklmnopqrstuvwxyz"


_AND_LINK = re.compile(r"(?i)\b(?:who|whom|which|that|with|requiring|requires|needing|need|due\s+to|caused\s+by|"
                       r"secondary\s+to|associated\s+with|complicated\s+by|and\s+who|while|"
                       r"shows?|showed|showing|reveals?|revealed|revealing|demonstrat(?:es|ed|ing)|"  # "CT shows bleeding"
                       r"consistent\s+with|suggestive\s+of|indicative\s+of)\b")


_OR_LINK = re.compile(r"(?i)\b(?:or|either|nor|and/or)\b")
_NEUTRAL_LINK = re.compile(r"^[\s,()]*$")


def _lead(f: Found, text: str) -> str:
    """The words a constraint took in before its term ("chest CT shows" in "chest CT shows bleeding")."""
    term = getattr(f.item, "term", None)
    span = text[f.start:f.end]
    k = span.lower().rfind(term.lower()) if term else -1
    return span[:k] if k > 0 else ""


def _logic(kind: str, found: list[Found], text: str) -> str:
    """``any`` or ``all``: how the constraints of one criterion combine, read from the words between them.

    "who", "with", "requiring" ... join (all); "or" separates alternatives (any) when every
    link that is not a bare comma says so; an exclusion that only lists conditions,
    medicines or procedures is a list of alternatives.
    """
    found = [f for f in found if not (f.item.type == "sex" and f.item.sex == "any")]
    if len(found) <= 1:
        return "all"
    ordered = sorted(found, key=lambda f: f.start)
    links = [text[a.end:b.start] for a, b in zip(ordered, ordered[1:])]
    if any(_AND_LINK.search(link + " " + _lead(b, text)) for link, b in zip(links, ordered[1:])):
        return "all"
    telling = [link for link in links if not _NEUTRAL_LINK.match(link)]
    if telling and all(_OR_LINK.search(link) for link in telling):
        return "any"
    types = {f.item.type for f in found}
    if kind == "exclusion" and types <= _ENTITY | {"pregnancy", "compliance", "consent"} and not any(
            re.search(r";", link) for link in links):
        return "any"
    return "all"


def _parse(c: Criterion, ments: list[Mention], norm: str) -> ParsedCriterion:
    text = norm
    found: list[Found] = []
    covered: list[tuple[int, int]] = []
    preg = find_pregnancy(text)
    if preg:
        found.append(preg)
    sex, sex_spans = find_sex(text)
    sex_at = min(sex_spans, default=(0, 0))
    covered += sex_spans
    if sex and not preg:
        found.append(Found(sex_at[0], sex_at[1], sex))
    numeric = find_scores(text)
    numeric += [f for f in find_labs(text) if not overlaps((f.start, f.end), [(n.start, n.end) for n in numeric])]
    numeric += [f for f in find_ages(text, c.text) if not overlaps((f.start, f.end), [(n.start, n.end) for n in numeric])]
    found += _merge_lab_alternatives(numeric, text)
    taken = [(f.start, f.end) for f in found if f.end > f.start]
    windows = find_windows(text)
    any_of = [m.span() for m in _ANY_OF.finditer(text)] if may_match(text, _ANY_OF_WORDS, _ANY_OF) else []
    window_spans = [(w.start, w.end) for w in windows] + any_of
    covered += any_of
    allergen_from = ([m.end() for m in _ALLERGEN.finditer(text)] if may_match(text, _ALLERGEN_WORDS, _ALLERGEN)
                     else [])
    for m in ments:
        if overlaps((m.start, m.end), taken):
            continue
        if m.kind != "condition" and any(a <= m.start for a in allergen_from):
            covered.append((m.start, m.end))  # "allergy to heparin": heparin is the allergen, not a medicine taken
            continue
        q_start = qualifier_start(text, m.start, taken)
        after = taken + window_spans
        narrowed = post_qualified(text, m.end, after)
        exact = q_start == m.start and not narrowed
        words = text[q_start:post_qualifier_end(text, m.end, after) if narrowed else m.end]  # "ALF in the early stages"
        found.append(Found(q_start, m.end, _entity(m, exact, words)))
        taken.append((q_start, m.end))
    if not any(f.item.type in _ENTITY for f in found):
        terms = [t for t in fallback_terms(text, c.kind, bool(found)) if not overlaps(t, taken)]
        if terms:
            for m in context_for_spans(text, [(s, e, "condition", None) for s, e in terms]):
                found.append(Found(m.start, m.end, _entity(m, True, m.text)))
    found = _attach_windows(found, windows, text)
    windows = [w for w in windows if not _bare(w) or any(getattr(f.item, "window", None) is w.item for f in found)]
    covered += [(f.start, f.end) for f in found] + [(w.start, w.end) for w in windows]
    hard = [f for f in found if f.item.type in _HARD]
    if not hard:
        specials = find_special(text, c.kind)
        if specials:
            return ParsedCriterion(criterion=c, constraints=[f.item for f in specials], coverage="full",
                                   logic=_logic(c.kind, specials, text))
        group = _group(c)
        return ParsedCriterion(criterion=c, constraints=[NeedsReview(text=c.text)], coverage="none", group=group)
    asides = [(m.start(), m.end()) for m in _ASIDE.finditer(text)] if may_match(text, _ASIDE_WORDS, _ASIDE) else []
    covered += asides
    found = _dedupe(sorted(found, key=lambda f: f.start))
    exceptions: list[Found] = []
    for start, end in _exception_spans(text):
        inside = [f for f in found if start <= f.start < end and f.item.type in _ENTITY | {"lab", "score"}]
        if inside and len(inside) < len(found):
            exceptions += inside
            found = [f for f in found if f not in inside]
            covered.append((start, end))
    uncovered = _residual(text, covered)
    if allergen_from:
        found = [Found(f.start, f.end, f.item.model_copy(update={"exact": False}))
                 if f.item.type == "condition" and f.item.concept in {"allergy", "drug_allergy"} else f for f in found]
    logic = _logic(c.kind, found, text)
    examples = [a for a in asides if re.match(r"(?i)\((?:e\.?g|for example|such as|including)", text[a[0]:a[1]])]
    if examples and any(overlaps((f.start, f.end), examples) for f in found):
        logic = "any"  # constraints given as examples of a broader category
    return ParsedCriterion(criterion=c, constraints=[f.item for f in found], logic=logic,
                           exceptions=[f.item for f in exceptions],
                           coverage="partial" if uncovered else "full", uncovered=uncovered, group=_group(c))


_ALLERGEN = re.compile(r"(?i)\b(?:allerg\w*|hypersensitiv\w*|intoleran\w*|contra-?indicat\w*|sensitivity)\s+"
                      r"(?:to|of|for|with|against)\b")
_ALLERGEN_WORDS = ("allerg", "sensitiv", "intoleran", "contra")  # one of them is in every match of _ALLERGEN
_ASIDE = re.compile(r"(?i)\((?:e\.?g\.?|i\.?e\.?|for example|such as|based on|according to|as per|per|as defined|"
                    r"defined as|see|including|as assessed|as confirmed|as determined|confirmed by)\b[^()]*\)"
                    r"|\(\s*\d+\s*(?:days?|weeks?|months?|years?)\s*\)"
                    r"|(?-i:\(\s*[A-Z][A-Za-z0-9]*[A-Z][A-Za-z0-9]*s?\s*\))"  # an acronym after its words: "(NSAIDs)", "(ACR)"
                    r"|\([^()]*\b(?:control|study|treatment|comparison)\s+(?:group|arm|cohort)s?\b[^()]*\)"  # the study arm
                    r"|\(\s*[<>]=?\s*\d+(?:\.\d+)?\s*\)|\b(?:see|refer to)\s+(?:section|appendix|table)\s+[\w.]+")
_ASIDE_WORDS = ("(", "section", "appendix", "table")  # every match of _ASIDE has one of them


_EXCEPTION = re.compile(r"(?i)\b(?:unless|except(?:\s+for)?|excluding|other\s+than|with\s+the\s+exception\s+of|"
                        r"but\s+not|if|in\s+case\s+of|in\s+the\s+presence\s+of)\b")


_EXCEPTION_WORDS = ("unless", "except", "excluding", "other", "but", "if", "case", "presence")  # one in every match
_CLAUSE_END = re.compile(r"[);]|\.(?:\s|$)")


def _exception_spans(text: str) -> list[tuple[int, int]]:
    """Clauses that carve out an exception: from "except", "unless", "if" ... to the end of the clause."""
    spans: list[tuple[int, int]] = []
    if not may_match(text, _EXCEPTION_WORDS, _EXCEPTION):
        return spans
    for m in _EXCEPTION.finditer(text):
        end = _CLAUSE_END.search(text[m.end():])
        spans.append((m.start(), m.end() + end.start() if end else len(text)))
    return spans


def _dedupe(found: list[Found]) -> list[Found]:
    """Drop repeats of the same entity constraint ("sepsis ... Sepsis 3.0")."""
    seen: set[tuple] = set()
    out: list[Found] = []
    for f in found:
        item = f.item
        key = (item.type, getattr(item, "concept", None) or id(item), getattr(item, "present", None),
               getattr(item, "context", None)) if item.type in _ENTITY else (id(item),)
        if key in seen:
            continue
        seen.add(key)
        out.append(f)
    return out


_ANY_OF = re.compile(r"(?i)\b(?:one|any|at least one|either|1)\s+(?:or more\s+)?of\s+the\s+following"
                     r"(?:\s+(?:criteria|conditions|findings|symptoms|options))?\b")


_ANY_OF_WORDS = ("following",)  # in every match of _ANY_OF


def _group(c: Criterion) -> str | None:
    if may_match(c.text, _ANY_OF_WORDS, _ANY_OF) and _ANY_OF.search(c.text):
        return "any_of"
    if c.text.rstrip().endswith(":"):
        return "heading"
    return None


def parse_criterion(c: Criterion) -> ParsedCriterion:
    """Parse one criterion into typed constraints (never raises for odd wording)."""
    return parse_criteria([c])[0]


_CACHE_SIZE = 8192
_cache: OrderedDict[tuple[str, str], ParsedCriterion] = OrderedDict()


_cache_lock = threading.Lock()


def clear_parse_cache() -> None:
    """Forget the parses remembered by ``parse_criteria`` (benchmarks time a cold run with it)."""
    with _cache_lock:
        _cache.clear()


def _remembered(key: tuple[str, str], c: Criterion) -> ParsedCriterion | None:
    with _cache_lock:
        hit = _cache.get(key)
        if hit is None:
            return None
        _cache.move_to_end(key)
    return hit if hit.criterion == c else hit.model_copy(update={"criterion": c})


def _remember(key: tuple[str, str], parsed: ParsedCriterion) -> None:
    with _cache_lock:
        _cache[key] = parsed
        if len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)


def parse_criteria(items: list[Criterion], chunk: int = 256) -> list[ParsedCriterion]:
    """Parse many criteria at once (medspaCy runs over them in batches of ``chunk``).

    A parse depends only on a criterion's kind and text, and the same wording comes back
    across trials ("Pregnancy", "Written informed consent"): the last 8,192 distinct
    (kind, text) parses are remembered and reused with the new criterion's position.
    """
    out: list[ParsedCriterion | None] = [None] * len(items)
    todo: dict[tuple[str, str], list[int]] = {}
    for i, c in enumerate(items):
        key = (c.kind, c.text)
        hit = _remembered(key, c)
        if hit is not None:
            out[i] = hit
        else:
            todo.setdefault(key, []).append(i)
    keys = list(todo)
    for start in range(0, len(keys), chunk):
        batch = [items[todo[k][0]] for k in keys[start:start + chunk]]
        norms = [normalize(c.text) for c in batch]
        for key, c, m, n in zip(keys[start:start + chunk], batch, mentions_many(norms), norms):
            parsed = _parse(c, m, n)
            _remember(key, parsed)
            for i in todo[key]:
                out[i] = parsed if items[i] == c else parsed.model_copy(update={"criterion": items[i]})
    return out  # type: ignore[return-value]


def parse_eligibility(text: str | None, minimum_age: str | None = None, maximum_age: str | None = None,
                      sex: str | None = None) -> ParsedEligibility:
    """Split and parse a record's eligibility text plus its structured age and sex fields.

    ``text`` may be ``None`` or empty (a record without criteria). Raises
    ``CriteriaError`` for a non-string text or malformed age/sex fields.
    """
    if text is not None and not isinstance(text, str):
        raise CriteriaError(f"Eligibility text must be a string, not {type(text).__name__}.")
    criteria = parse_criteria(split_criteria(text or ""))
    return ParsedEligibility(criteria=criteria, registry=registry_criteria(minimum_age, maximum_age, sex))
