"""What a person asks for: the request (text and filters), checked and put into the index's terms.

:class:`SearchRequest` is what the page, the API and the CLI fill in. :func:`read_filters` checks and
normalises its filters (naming the parameter in every error). :func:`understand` reads the free text:
the place in it ("… near Guangzhou"), the conditions and treatments it names (through the vocabulary),
misspellings, and the words left over.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timezone

from ..trial import OPEN_STATUSES, STATUSES
from .documents import NOT_STATED
from .errors import InvalidQuery
from .spelling import Speller
from .text import clean, stem, typo_allowance
from .vocabulary import ConceptMatch, Expansion, QueryToken, Vocabulary, tokenize

MAX_QUERY_CHARS = 1000
MAX_CONCEPTS = 12
MAX_PAGE = 500
MAX_PER_PAGE = 100
DEFAULT_RADIUS_KM = 100.0
MAX_RADIUS_KM = 20_000.0
KM_PER_MILE = 1.609344

PHASES = {
    "EARLY_PHASE1": ("early phase 1", "early 1", "early1", "early phase i", "phase 0", "0"),
    "PHASE1": ("phase 1", "1", "i", "phase i", "phase1"),
    "PHASE2": ("phase 2", "2", "ii", "phase ii", "phase2"),
    "PHASE3": ("phase 3", "3", "iii", "phase iii", "phase3"),
    "PHASE4": ("phase 4", "4", "iv", "phase iv", "phase4"),
    "NA": ("na", "n/a", "not applicable"),
    NOT_STATED: ("none", "not stated", "not_stated"),
}
STUDY_TYPES = ("INTERVENTIONAL", "OBSERVATIONAL", "EXPANDED_ACCESS")
INTERVENTION_TYPES = ("BEHAVIORAL", "BIOLOGICAL", "COMBINATION_PRODUCT", "DEVICE", "DIAGNOSTIC_TEST",
                      "DIETARY_SUPPLEMENT", "DRUG", "GENETIC", "PROCEDURE", "RADIATION", "OTHER")
#: "open" (the default) keeps trials a person can still join, and those whose status the record does not state.
OPEN_GROUP = frozenset(OPEN_STATUSES | {NOT_STATED})


@dataclass(frozen=True)
class SearchRequest:
    """A search as the page, the API and the CLI receive it (text as typed; checked by the service)."""

    q: str = ""
    near: str | None = None
    within: str | None = None
    age: float | None = None
    sex: str | None = None
    status: tuple[str, ...] = ("open",)
    phase: tuple[str, ...] = ()
    study_type: tuple[str, ...] = ()
    country: tuple[str, ...] = ()
    condition: tuple[str, ...] = ()
    intervention_type: tuple[str, ...] = ()
    healthy_volunteers: bool | None = None
    first_posted_from: date | None = None
    first_posted_to: date | None = None
    updated_from: date | None = None
    updated_to: date | None = None
    page: int = 1
    per_page: int = 20


@dataclass(frozen=True)
class Filters:
    """Checked filters in the index's codes. ``statuses`` ``None`` means any status."""

    statuses: frozenset[str] | None = OPEN_GROUP
    phases: frozenset[str] = frozenset()
    study_types: frozenset[str] = frozenset()
    sex: str | None = None
    age: float | None = None
    healthy: str | None = None
    countries: tuple[str, ...] = ()
    conditions: tuple[str, ...] = ()
    intervention_types: frozenset[str] = frozenset()
    first_posted: tuple[datetime | None, datetime | None] = (None, None)
    updated: tuple[datetime | None, datetime | None] = (None, None)

    @property
    def open_only(self) -> bool:
        return self.statuses == OPEN_GROUP


def _values(items: tuple[str, ...] | list[str]) -> list[str]:
    """Parameters may repeat or hold commas: ``phase=2&phase=3`` or ``phase=2,3``."""
    return [v.strip() for item in items for v in str(item).split(",") if v.strip()]


def read_filters(request: SearchRequest) -> Filters:
    """Check and normalise the request's filters; raise :class:`InvalidQuery` naming the parameter."""
    return Filters(
        statuses=_statuses(_values(request.status)),
        phases=frozenset(_phase(v) for v in _values(request.phase)),
        study_types=frozenset(_choice("study_type", v, STUDY_TYPES) for v in _values(request.study_type)),
        sex=_sex(request.sex),
        age=_age(request.age),
        healthy=None if request.healthy_volunteers is None else "YES" if request.healthy_volunteers else "NO",
        countries=tuple(dict.fromkeys(_values(request.country))),
        conditions=tuple(dict.fromkeys(v.strip() for v in request.condition if v.strip())),
        intervention_types=frozenset(_choice("intervention_type", v, INTERVENTION_TYPES)
                                     for v in _values(request.intervention_type)),
        first_posted=_range("first_posted", request.first_posted_from, request.first_posted_to),
        updated=_range("updated", request.updated_from, request.updated_to),
    )


def _statuses(values: list[str]) -> frozenset[str] | None:
    if not values:
        return OPEN_GROUP
    chosen: set[str] = set()
    for value in values:
        code = value.upper().replace(" ", "_").replace(",", "")
        if code == "ANY" or code == "ALL":
            return None
        if code == "OPEN":
            chosen |= OPEN_GROUP
        elif code in STATUSES or code == NOT_STATED:
            chosen.add(code)
        else:
            raise InvalidQuery("status", f"Unknown status {value[:40]!r}: use open, any, or one of "
                                         f"{', '.join(sorted(s.lower() for s in STATUSES))}.")
    return frozenset(chosen)


def _phase(value: str) -> str:
    text = value.strip().lower().replace("_", " ")
    for code, names in PHASES.items():
        if text == code.lower().replace("_", " ") or text in names:
            return code
    raise InvalidQuery("phase", f"Unknown phase {value[:40]!r}: use early1, 1, 2, 3, 4 or na.")


def _choice(parameter: str, value: str, allowed: tuple[str, ...]) -> str:
    code = value.strip().upper().replace(" ", "_").replace("-", "_")
    if code not in allowed:
        raise InvalidQuery(parameter, f"Unknown {parameter.replace('_', ' ')} {value[:40]!r}: use one of "
                                      f"{', '.join(a.lower() for a in allowed)}.")
    return code


def _sex(value: str | None) -> str | None:
    if value is None or not value.strip() or value.strip().lower() in {"any", "all"}:
        return None
    text = value.strip().lower()
    if text in {"female", "f", "woman", "women"}:
        return "FEMALE"
    if text in {"male", "m", "man", "men"}:
        return "MALE"
    raise InvalidQuery("sex", f"Unknown sex {value[:40]!r}: use female or male (or leave it out).")


def _age(value: float | None) -> float | None:
    if value is None:
        return None
    if not 0 <= value <= 125:
        raise InvalidQuery("age", f"An age of {value:g} years is not possible here: give 0 to 125.")
    return float(value)


def _range(name: str, start: date | None, end: date | None) -> tuple[datetime | None, datetime | None]:
    if start and end and start > end:
        raise InvalidQuery(f"{name}_from", f"{name.replace('_', ' ')} from {start} is after to {end}.")
    return (_midnight(start) if start else None, _midnight(end) if end else None)


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=timezone.utc)


@dataclass(frozen=True)
class Distance:
    """A search radius as the person gave it."""

    value: float
    unit: str  # "km" or "mi"

    @property
    def km(self) -> float:
        return self.value * KM_PER_MILE if self.unit == "mi" else self.value

    def __str__(self) -> str:
        return f"{self.value:g} {self.unit}"


_DISTANCE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(km|kms|kilometers?|kilometres?|mi|miles?)?\s*$", re.I)


def parse_distance(text: str | None) -> Distance:
    """``50km``, ``50 km``, ``30mi``, ``30 miles``; a bare number is kilometres. Raises :class:`InvalidQuery`."""
    if text is None or not str(text).strip():
        return Distance(DEFAULT_RADIUS_KM, "km")
    match = _DISTANCE.match(str(text)[:40])
    if not match:
        raise InvalidQuery("within", f"{str(text)[:40]!r} is not a distance: write it like 50km or 30mi.")
    unit = "mi" if (match.group(2) or "km").lower().startswith("mi") else "km"
    distance = Distance(float(match.group(1)), unit)
    if not 0 < distance.km <= MAX_RADIUS_KM:
        raise InvalidQuery("within", f"A distance of {distance} is out of range: give more than 0 and at most "
                                     f"{MAX_RADIUS_KM:,.0f} km.")
    return distance


# --- the free text ----------------------------------------------------------------------------

@dataclass(frozen=True)
class QueryConcept:
    """One thing the person asked for; a trial must match one of its expansions."""

    label: str
    expansions: tuple[Expansion, ...]
    concept: str | None = None  # the vocabulary concept, if one was recognised
    fuzzy_words: tuple[str, ...] = ()  # words matched with typing errors allowed (no correction was found)
    literal: tuple[str, ...] = ()  # the words as typed (index tokens), also looked for as they are


@dataclass(frozen=True)
class Understood:
    """The free text, read: concepts to match, and what the page should tell the person about it."""

    concepts: tuple[QueryConcept, ...] = ()
    phrases: tuple[tuple[str, ...], ...] = ()  # runs of plain words, for a bonus when they appear together
    age: float | None = None
    phases: tuple[str, ...] = ()
    corrections: tuple[tuple[str, str], ...] = ()  # (typed, read as)
    ignored: tuple[str, ...] = ()


_STRICT_PLACE = re.compile(r"\b(?:near|close to|nearby)\s+(?P<place>[^\W\d][^;]*?)\s*[.?!]*$", re.I)
_LOOSE_PLACE = re.compile(r"\b(?:around|in|at)\s+(?P<place>[^\W\d][^;]*?)\s*[.?!]*$", re.I)
_WITHIN_OF = re.compile(r"\bwithin\s+(?P<within>\d+(?:\.\d+)?\s*(?:km|kms|kilomet(?:er|re)s?|mi|miles?))\s+"
                        r"(?:of|from)\s+(?P<place>[^;]+?)\s*[.?!]*$", re.I)
_AGE = re.compile(r"\b(?:aged?\s+(?P<a>\d{1,3})|(?P<b>\d{1,3})\s*(?:-\s*)?(?:years?|yrs?|y/?o)(?:[\s-]*old)?)\b", re.I)
_PHASE_WORDS = re.compile(r"\bphase\s*(?P<p>1|2|3|4|iv|iii|ii|i)\b", re.I)


@dataclass(frozen=True)
class PlaceMention:
    """A place named in the free text: ``rest`` is the text without it. ``strict`` ("near X") means an unknown
    place is an error; otherwise ("in X", "around X") the words may be something else ("pain around the eye")."""

    rest: str
    place: str
    within: str | None
    strict: bool


def find_place(text: str) -> PlaceMention | None:
    """``"liver failure near Guangzhou"`` → rest ``"liver failure"``, place ``"Guangzhou"``."""
    text = clean(text)
    match = _WITHIN_OF.search(text)
    if match:
        return PlaceMention(text[: match.start()].strip(), match.group("place").strip(" ,"), match.group("within"), True)
    for pattern, strict in ((_STRICT_PLACE, True), (_LOOSE_PLACE, False)):
        match = pattern.search(text)
        if match and match.group("place").strip(" ,"):
            return PlaceMention(text[: match.start()].strip(), match.group("place").strip(" ,"), None, strict)
    return None


def understand(text: str, vocabulary: Vocabulary, speller: Speller) -> Understood:
    """Read a person's words (the place already taken out by :func:`find_place`). Raises :class:`InvalidQuery`
    only for a text too long."""
    text = clean(text)
    if len(text) > MAX_QUERY_CHARS:
        raise InvalidQuery("q", f"The search text has {len(text):,} characters; keep it under {MAX_QUERY_CHARS:,} "
                                "(a few words work best, e.g. \"liver failure stem cells near Guangzhou\").")
    age, phases = None, []
    if (found := _AGE.search(text)) and int(found.group("a") or found.group("b")) <= 125:
        age = float(found.group("a") or found.group("b"))
        text = text[: found.start()] + " " + text[found.end():]
    for found in _PHASE_WORDS.finditer(text):
        phases.append(_phase(found.group("p")))
    text = _PHASE_WORDS.sub(" ", text)
    tokens = tokenize(text)
    matches = vocabulary.match(tokens)
    covered = {i for m in matches for i in range(m.start, m.end)}
    corrections: list[tuple[str, str]] = [(m.typed, m.concept.name) for m in matches if m.fuzzy]
    corrected = list(tokens)
    for i, token in enumerate(tokens):
        if i in covered or vocabulary.is_stopword(token):
            continue
        better = speller.correct(token.word)
        if better:
            corrected[i] = QueryToken(raw=better, word=better, stem=stem(better))
            corrections.append((token.raw, better))
    if corrected != tokens:
        matches = _merge(matches, vocabulary.match([t if i not in covered else _BLANK for i, t in enumerate(corrected)]))
        covered = {i for m in matches for i in range(m.start, m.end)}
    concepts = [QueryConcept(m.typed if not m.fuzzy else m.concept.name, tuple(vocabulary.expansions(m.concept)),
                             m.concept.name, literal=() if m.fuzzy else
                             tuple(t.stem for t in corrected[m.start:m.end] if t.word != "s"))
                for m in sorted(matches, key=lambda m: m.start)]
    ignored, phrases, run = [], [], []
    for i, token in enumerate(corrected):
        if i in covered or vocabulary.is_stopword(token) or token is _BLANK:
            if len(run) > 1:
                phrases.append(tuple(run))
            run = []
            continue
        if not token.word.isalnum() or (len(token.word) < 2 and not token.word.isdigit()):
            ignored.append(token.raw)
            continue
        fuzzy = () if speller.known(token.word) or typo_allowance(token.word) == 0 else (token.word,)
        concepts.append(QueryConcept(token.raw, (Expansion((token.stem,), 1.0, token.word),), None, fuzzy))
        run.append(token.stem)
    if len(run) > 1:
        phrases.append(tuple(run))
    if len(concepts) > MAX_CONCEPTS:
        ignored += [c.label for c in concepts[MAX_CONCEPTS:]]
        concepts = concepts[:MAX_CONCEPTS]
    return Understood(tuple(_dedupe(concepts)), tuple(phrases), age, tuple(dict.fromkeys(phases)),
                      tuple(dict.fromkeys(corrections)), tuple(ignored))


_BLANK = QueryToken(raw="", word="", stem="")


def _merge(first: list[ConceptMatch], second: list[ConceptMatch]) -> list[ConceptMatch]:
    taken = {i for m in first for i in range(m.start, m.end)}
    return first + [m for m in second if not any(i in taken for i in range(m.start, m.end))]


def _dedupe(concepts: list[QueryConcept]) -> list[QueryConcept]:
    seen, out = set(), []
    for concept in concepts:
        key = concept.concept or concept.expansions[0].tokens
        if key not in seen:
            seen.add(key)
            out.append(concept)
    return out
