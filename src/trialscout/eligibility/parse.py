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
from typing import Iterable

from .constraints import (
    AgeConstraint, ComplianceItem, ConditionConstraint, ConsentItem, MedicationConstraint, NeedsReview,
    ParsedCriterion, ParsedEligibility, PregnancyConstraint, ProcedureConstraint, SexConstraint,
)
from .criteria import Criterion, split_criteria
from .errors import CriteriaError
from .measures import Found, find_ages, find_labs, find_scores, find_windows
from .nlp import Mention, context_for_spans, mentions_many
from .phrases import fallback_terms, post_qualified, qualifier_start
from .ruleset import cue_matcher, filler_words
from .text import normalize

_HARD = ("age", "lab", "score", "condition", "medication", "procedure", "pregnancy", "sex")
_ENTITY = {"condition", "medication", "procedure"}
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*|\d+(?:[.,]\d+)?")


def _cue_spans(name: str, text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in cue_matcher(name).finditer(text)]


def _overlaps(a: tuple[int, int], spans: Iterable[tuple[int, int]]) -> bool:
    return any(a[0] < e and s < a[1] for s, e in spans)


def _pregnancy(text: str) -> Found | None:
    states: list[str] = []
    spans: list[tuple[int, int]] = []
    for cue, state in (("pregnancy_plan", "planning"), ("pregnancy", "pregnant"), ("lactation", "lactating"),
                       ("childbearing", "childbearing_potential")):
        found = [s for s in _cue_spans(cue, text) if not _overlaps(s, spans)]
        if found:
            states.append(state)
            spans.extend(found)
    if not states:
        return None
    negative_test = _cue_spans("negative_pregnancy_test", text)
    negated = bool(negative_test) or bool(re.search(r"(?i)\b(?:not|non|no)[\s-]+(?:be\s+)?(?:pregnant|lactating|"
                                                      r"breast[\s-]?feeding|nursing)", text))
    if negative_test and "childbearing_potential" in states and "pregnant" not in states:
        states.append("pregnant")
    if negated and "childbearing_potential" in states:
        states.remove("childbearing_potential")
    spans.extend(negative_test)
    start, end = min(s for s, _ in spans), max(e for _, e in spans)
    return Found(start, end, PregnancyConstraint(states=states, present=not negated, text=text[start:end]))  # type: ignore[arg-type]


def _sex(text: str) -> tuple[SexConstraint | None, list[tuple[int, int]]]:
    any_spans = _cue_spans("any_sex", text)
    female = [s for s in _cue_spans("female", text) if not _overlaps(s, any_spans)]
    male = [s for s in _cue_spans("male", text) if not _overlaps(s, any_spans)]
    spans = any_spans + female + male
    if cue_matcher("contraception").search(text):
        return None, spans  # "women must use birth control": a rule for women, not a sex limit
    if female and not male:
        return SexConstraint(sex="female", text=text[female[0][0]:female[0][1]]), spans
    if male and not female:
        return SexConstraint(sex="male", text=text[male[0][0]:male[0][1]]), spans
    if any_spans and not female and not male:
        return SexConstraint(sex="any", text=text[any_spans[0][0]:any_spans[0][1]]), spans
    return None, spans


def _special(text: str, kind: str) -> list[Found]:
    """Consent, compliance, practical, judgement and other-trial items (used when nothing else was found).

    In an exclusion, consent and compliance items are about *not* agreeing or
    complying, whatever the wording; elsewhere negative cues ("unable") decide.
    """
    negative = bool(cue_matcher("negative").search(text))
    topics = [cue for cue in ("other_trial", "consent", "compliance", "practical", "judgement")
              if cue_matcher(cue).search(text)]
    if "other_trial" in topics:
        topics = ["other_trial"]
    elif len(topics) > 1:
        topics = [t for t in topics if t != "judgement"]
    applies_to = None
    if cue_matcher("contraception").search(text) or cue_matcher("childbearing").search(text):
        female, male = cue_matcher("female").search(text), cue_matcher("male").search(text)
        applies_to = "female" if female and not male else ("male" if male and not female else None)
    out: list[Found] = []
    for topic in topics:
        spans = _cue_spans(topic, text)
        positive = not negative
        if kind == "exclusion" and topic in {"consent", "compliance"}:
            positive = False
        item = (ConsentItem(positive=positive, text=text) if topic == "consent"
                else ComplianceItem(topic=topic, positive=positive, applies_to=applies_to, text=text))  # type: ignore[arg-type]
        out.append(Found(spans[0][0], spans[-1][1], item))
    return out


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


def _attach_windows(found: list[Found], windows: list[Found]) -> list[Found]:
    entities = [f for f in found if getattr(f.item, "type", "") in _ENTITY]
    for w in windows:
        before = [f for f in entities if f.end <= w.start]
        after = [f for f in entities if f.start >= w.end]
        target = before[-1] if before else (after[0] if after else None)
        if target is None or target.item.window is not None:
            continue
        new = Found(target.start, target.end, target.item.model_copy(update={"window": w.item}))
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
    keep = []
    for m in _WORD.finditer(text):
        if any(mask[m.start():m.end()]):
            continue
        word = m.group(0).lower().strip("'’-")
        if word and word not in filler_words() and not re.fullmatch(r"[a-z]", word):
            keep.append(m.group(0))
    return " ".join(keep)


_AND_LINK = re.compile(r"(?i)\b(?:who|whom|which|that|with|requiring|requires|needing|need|due\s+to|caused\s+by|"
                       r"secondary\s+to|associated\s+with|complicated\s+by|and\s+who|while)\b")


def _logic(kind: str, found: list[Found], text: str) -> str:
    """``any`` or ``all``: how the constraints of one criterion combine, read from the words between them."""
    if len(found) <= 1:
        return "all"
    ordered = sorted(found, key=lambda f: f.start)
    links = [text[a.end:b.start] for a, b in zip(ordered, ordered[1:])]
    if any(_AND_LINK.search(link) for link in links):
        return "all"
    if any(re.search(r"(?i)\b(?:or|either|nor)\b|/", link) for link in links):
        return "any"
    types = {f.item.type for f in found}
    if kind == "exclusion" and types <= _ENTITY | {"pregnancy", "compliance", "consent"}:
        return "any"
    return "all"


def _parse(c: Criterion, ments: list[Mention], norm: str) -> ParsedCriterion:
    text = norm
    found: list[Found] = []
    covered: list[tuple[int, int]] = []
    preg = _pregnancy(text)
    if preg:
        found.append(preg)
    sex, sex_spans = _sex(text)
    covered += sex_spans
    if sex and not preg:
        found.append(Found(0, 0, sex))
    numeric = find_scores(text)
    numeric += [f for f in find_labs(text) if not _overlaps((f.start, f.end), [(n.start, n.end) for n in numeric])]
    numeric += [f for f in find_ages(text, c.text) if not _overlaps((f.start, f.end), [(n.start, n.end) for n in numeric])]
    found += _merge_lab_alternatives(numeric, text)
    taken = [(f.start, f.end) for f in found if f.end > f.start]
    allergen_from = [m.end() for m in _ALLERGEN.finditer(text)]
    for m in ments:
        if _overlaps((m.start, m.end), taken):
            continue
        if m.kind != "condition" and any(a <= m.start for a in allergen_from):
            covered.append((m.start, m.end))  # "allergy to heparin": heparin is the allergen, not a medicine taken
            continue
        q_start = qualifier_start(text, m.start, taken)
        exact = q_start == m.start and not post_qualified(text, m.end, taken)
        found.append(Found(q_start, m.end, _entity(m, exact, text[q_start:m.end])))
        taken.append((q_start, m.end))
    if not any(f.item.type in _ENTITY for f in found):
        terms = [t for t in fallback_terms(text, c.kind, bool(found)) if not _overlaps(t, taken)]
        if terms:
            for m in context_for_spans(text, [(s, e, "condition", None) for s, e in terms]):
                found.append(Found(m.start, m.end, _entity(m, True, m.text)))
    windows = find_windows(text)
    found = _attach_windows(found, windows)
    covered += [(f.start, f.end) for f in found] + [(w.start, w.end) for w in windows]
    hard = [f for f in found if f.item.type in _HARD]
    if not hard:
        specials = _special(text, c.kind)
        if specials:
            return ParsedCriterion(criterion=c, constraints=[f.item for f in specials], coverage="full",
                                   logic=_logic(c.kind, specials, text))
        group = _group(c)
        return ParsedCriterion(criterion=c, constraints=[NeedsReview(text=c.text)], coverage="none", group=group)
    asides = [(m.start(), m.end()) for m in _ASIDE.finditer(text)]
    covered += asides
    uncovered = _residual(text, covered)
    found = _dedupe(sorted(found, key=lambda f: f.start))
    if allergen_from:
        found = [Found(f.start, f.end, f.item.model_copy(update={"exact": False}))
                 if f.item.type == "condition" and f.item.concept in {"allergy", "drug_allergy"} else f for f in found]
    logic = _logic(c.kind, found, text)
    examples = [a for a in asides if re.match(r"(?i)\((?:e\.?g|for example|such as|including)", text[a[0]:a[1]])]
    if examples and any(_overlaps((f.start, f.end), examples) for f in found):
        logic = "any"  # constraints given as examples of a broader category
    return ParsedCriterion(criterion=c, constraints=[f.item for f in found], logic=logic,
                           coverage="partial" if uncovered else "full", uncovered=uncovered, group=_group(c))


_ALLERGEN = re.compile(r"(?i)\b(?:allerg\w*|hypersensitiv\w*|intoleran\w*|contra-?indicat\w*|sensitivity)\s+"
                      r"(?:to|of|for|with|against)\b")
_ASIDE = re.compile(r"(?i)\((?:e\.?g\.?|i\.?e\.?|for example|such as|based on|according to|as per|per|as defined|"
                    r"defined as|see|including|as assessed|as confirmed|as determined|confirmed by)\b[^()]*\)")


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


_ANY_OF = re.compile(r"(?i)\b(?:one|any|at least one|either|1)\s+(?:or more\s+)?of\s+the\s+following\b")


def _group(c: Criterion) -> str | None:
    if _ANY_OF.search(c.text):
        return "any_of"
    if c.text.rstrip().endswith(":"):
        return "heading"
    return None


def parse_criterion(c: Criterion) -> ParsedCriterion:
    """Parse one criterion into typed constraints (never raises for odd wording)."""
    return parse_criteria([c])[0]


def parse_criteria(items: list[Criterion]) -> list[ParsedCriterion]:
    """Parse many criteria at once (one medspaCy pass over all of them)."""
    norms = [normalize(c.text) for c in items]
    all_mentions = mentions_many(norms)
    return [_parse(c, m, n) for c, m, n in zip(items, all_mentions, norms)]


_AGE_FIELD = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(year|yr|month|week|day|hour|minute)s?\s*$", re.I)
_AGE_DIVISOR = {"year": 1.0, "yr": 1.0, "month": 12.0, "week": 52.18, "day": 365.25, "hour": 8766.0, "minute": 525960.0}


def _age_field(value: str | None) -> float | None:
    if value is None or not str(value).strip() or str(value).strip().upper() in {"N/A", "NA", "NONE"}:
        return None
    m = _AGE_FIELD.match(str(value))
    if not m:
        raise CriteriaError(f"Age '{value}' is not like '18 Years' or '6 Months': pass the record's minimumAge/maximumAge.")
    return float(m.group(1)) / _AGE_DIVISOR[m.group(2).lower()]


def registry_criteria(minimum_age: str | None = None, maximum_age: str | None = None,
                      sex: str | None = None) -> list[ParsedCriterion]:
    """Age and sex limits from the record's structured fields, as parsed inclusion criteria."""
    out: list[ParsedCriterion] = []
    lo, hi = _age_field(minimum_age), _age_field(maximum_age)
    if lo is not None or hi is not None:
        if lo is not None and hi is not None:
            age = AgeConstraint(comparator="between", value=lo, upper=hi, text=f"{minimum_age} to {maximum_age}")
            label = f"Age {minimum_age} to {maximum_age}"
        elif lo is not None:
            age = AgeConstraint(comparator=">=", value=lo, text=f"{minimum_age} or older")
            label = f"Age {minimum_age} or older"
        else:
            age = AgeConstraint(comparator="<=", value=hi, text=f"{maximum_age} or younger")  # type: ignore[arg-type]
            label = f"Age {maximum_age} or younger"
        crit = Criterion(kind="inclusion", text=label.replace("Years", "years").replace("Year", "year"),
                         index=-1, source="registry")
        out.append(ParsedCriterion(criterion=crit, constraints=[age]))
    if sex and sex.strip().upper() in {"FEMALE", "MALE"}:
        value = sex.strip().lower()
        crit = Criterion(kind="inclusion", text=f"Sex: {value} only", index=-2, source="registry")
        out.append(ParsedCriterion(criterion=crit, constraints=[SexConstraint(sex=value, text=sex)]))  # type: ignore[arg-type]
    elif sex and sex.strip().upper() not in {"ALL", "BOTH", ""}:
        raise CriteriaError(f"Sex '{sex}' is not ALL, FEMALE or MALE: pass the record's eligibilityModule.sex.")
    return out


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
