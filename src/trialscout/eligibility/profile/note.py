"""Build a ``Profile`` from a free-text clinical note.

Reads age ("52-year-old man"), sex, conditions with negation, history and
family context (medspaCy ConText: "denies smoking, diabetes"), lab values
("bilirubin 210 µmol/L", "INR 1.9"), medications, procedures, height, weight,
scores and pregnancy. Every fact keeps the sentence it came from as evidence.
A note that does not look like English is flagged, not rejected.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from ..errors import ProfileError
from ..grades import score_id, score_index
from ..measures import find_lab_values
from ..nlp import Mention, context_for_spans, mentions_many
from ..ruleset import cue_matcher
from ..text import normalize, parse_number
from .models import (
    ConditionFact, Evidence, LabFact, MedicationFact, ProcedureFact, Profile, ProfileFlag, check_consistency,
)

MAX_NOTE_CHARS = 200_000
_NUMBERING = re.compile(r"(?m)^\s*\d{1,3}[.)]\s+")
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9(\"'])|\n+")
_AGE = [
    (re.compile(r"\b(\d{1,3})\s*(?:-|\s)?\s*(?:year|yr)s?\s*(?:-|\s)?\s*old\b", re.I), 1.0),
    (re.compile(r"\b(\d{1,2})\s*(?:-|\s)?\s*months?\s*(?:-|\s)?\s*old\b", re.I), 12.0),
    (re.compile(r"\b(\d{1,2})\s*(?:-|\s)?\s*weeks?\s*(?:-|\s)?\s*old\b", re.I), 52.18),
    (re.compile(r"\b(\d{1,3})\s*(?:yo|y/o|y\.o\.|yrs? old)\b", re.I), 1.0),
    (re.compile(r"\b(?:aged?|age:)\s*(\d{1,3})\b", re.I), 1.0),
]
_FEMALE = re.compile(r"\b(?:woman|female|girl|lady|mrs|ms|she|her|hers|herself|pregnant|primigravida|multigravida)\b", re.I)
_MALE = re.compile(r"\b(?:man|male|boy|gentleman|mr|he|his|him|himself)\b", re.I)
_SEX_NOUN = re.compile(r"\b(?:year|month|week)s?[- ]old\s+(?:\w+\s+){0,3}?(woman|female|girl|lady|man|male|boy|gentleman)\b", re.I)
_TEMPERATURE = re.compile(r"\b(?:fever|temperature|temp|febrile|pyrexia)\b[^.\d]{0,20}?(\d{2,3}(?:\.\d)?)\s*(?:°|º|degrees?)?\s*"
                          r"(C|F|Celsius|Fahrenheit)\b", re.I)
_BP = re.compile(r"\b(?:BP|blood pressure)\s*(?:of|was|is|:)?\s*(\d{2,3})\s*/\s*(\d{2,3})", re.I)
_ENGLISH = re.compile(r"\b(?:the|and|of|with|was|is|a|in|to|for|on|has|had|no|he|she|patient|history|presents)\b", re.I)
_STOPPED = re.compile(r"\b(?:previously|prior|stopped|discontinued|formerly|used to|was on|had been on|quit)\b", re.I)
_FORMER = re.compile(r"\b(?:former|ex-|quit|stopped|gave up)\b", re.I)


def _sentences(text: str) -> list[str]:
    body = _NUMBERING.sub("", text)
    return [s.strip() for s in _SENTENCE.split(body) if s and s.strip()]


def _age(text: str) -> tuple[float, str] | None:
    for rx, divisor in _AGE:
        m = rx.search(text)
        if m:
            value = parse_number(m.group(1))
            if value is not None and value / divisor <= 125:
                return value / divisor, m.group(0)
    return None


def _sex(text: str) -> str | None:
    m = _SEX_NOUN.search(text)
    if m:
        return "female" if m.group(1).lower() in {"woman", "female", "girl", "lady"} else "male"
    female, male = len(_FEMALE.findall(text)), len(_MALE.findall(text))
    if female > male * 2 and female >= 2:
        return "female"
    if male > female * 2 and male >= 2:
        return "male"
    return None


def _fact_from_mention(m: Mention, sentence: str, state: dict[str, Any]) -> None:
    if m.hypothetical or m.uncertain:
        return
    ev = Evidence(source="note", text=m.text, sentence=sentence)
    if m.kind == "condition":
        if m.family:
            state["family"].append(ConditionFact(name=m.text, concept=m.concept, present=not m.negated,
                                                 relation="family", evidence=ev))
            return
        status = "history" if m.historical else "active"
        if m.concept == "smoking" and _FORMER.search(sentence):
            status = "resolved"
        state["conditions"].append(ConditionFact(name=m.text, concept=m.concept, present=not m.negated,
                                                 status=status, evidence=ev))
    elif m.kind == "medication":
        stopped = bool(_STOPPED.search(sentence))
        state["medications"].append(MedicationFact(name=m.text, concept=m.concept, present=not m.negated,
                                                   active=False if stopped or m.negated else True, evidence=ev))
    elif m.kind == "procedure" and not m.family:
        state["procedures"].append(ProcedureFact(name=m.text, concept=m.concept, present=not m.negated, evidence=ev))


def _pregnancy(sentence: str, state: dict[str, Any]) -> None:
    for cue, key in (("pregnancy", "pregnant"), ("lactation", "lactating")):
        spans = [(m.start(), m.end(), "condition", None) for m in cue_matcher(cue).finditer(sentence)]
        if not spans:
            continue
        ments = context_for_spans(sentence, spans[:1])
        if ments and not (ments[0].hypothetical or ments[0].family or ments[0].uncertain):
            state[key] = not ments[0].negated
            state["evidence"][key] = Evidence(source="note", text=ments[0].text, sentence=sentence)


def _scores(sentence: str, state: dict[str, Any]) -> None:
    for m in score_index().finditer(sentence):
        sid = score_id(m.group(0))
        tail = re.match(r"\s*(?:score|class|grade|of|is|was|:|=)*\s*(\d{1,3}(?:\.\d+)?)\b(?!\s*(?:%|mg|mmol|/))",
                        sentence[m.end():m.end() + 30], re.I)
        if sid and tail:
            state["scores"][sid] = float(tail.group(1))
            state["evidence"][f"score:{sid}"] = Evidence(source="note", text=m.group(0) + tail.group(0), sentence=sentence)


def _affirmed(sentence: str, cue: str) -> bool | None:
    """True when the sentence states consent/compliance, False when it denies it, None when silent."""
    m = cue_matcher(cue).search(sentence)
    if not m:
        return None
    before = sentence[max(0, m.start() - 40):m.start()]
    return not cue_matcher("negative").search(before)


def profile_from_note(text: str, today: date | None = None) -> Profile:
    """Build a ``Profile`` from a clinical note. Raises ``ProfileError`` for an empty or non-text note."""
    if not isinstance(text, str):
        raise ProfileError(f"A clinical note must be text, not {type(text).__name__}.")
    if not text.strip():
        raise ProfileError("The note is empty: paste the text of the clinical note or doctor's letter.")
    flags: list[ProfileFlag] = []
    if len(text) > MAX_NOTE_CHARS:
        flags.append(ProfileFlag(code="truncated", message=f"The note is longer than {MAX_NOTE_CHARS} characters; "
                                                           "only the start was read."))
        text = text[:MAX_NOTE_CHARS]
    words = re.findall(r"[^\W\d_]+", text)
    if len(words) >= 6 and len(_ENGLISH.findall(text)) < max(1, len(words) // 25):
        flags.append(ProfileFlag(code="language", message="The note does not look like English; only English "
                                                          "notes are read. Facts may be missing: use the form instead."))
    sentences = _sentences(text)
    state: dict[str, Any] = {"conditions": [], "family": [], "medications": [], "procedures": [], "labs": [],
                             "scores": {}, "evidence": {}, "answers": {}}
    age = _age(text)
    sex = _sex(text)
    norms = [normalize(s) for s in sentences]
    for sentence, norm, ments in zip(sentences, norms, mentions_many(norms)):
        for m in ments:
            _fact_from_mention(m, sentence, state)
        for start, end, analyte, value, unit in find_lab_values(norm):
            state["labs"].append(LabFact(analyte=analyte, value=value, unit=unit, name=norm[start:end].split()[0],
                                         evidence=Evidence(source="note", text=norm[start:end], sentence=sentence)))
        for m in _BP.finditer(norm):
            for analyte, raw in (("systolic_bp", m.group(1)), ("diastolic_bp", m.group(2))):
                state["labs"].append(LabFact(analyte=analyte, value=float(raw), unit="mmHg", name=analyte,
                                             evidence=Evidence(source="note", text=m.group(0), sentence=sentence)))
        for m in _TEMPERATURE.finditer(sentence):
            unit = "Cel" if m.group(2)[0].upper() == "C" else "degF"
            state["labs"].append(LabFact(analyte="temperature", value=float(m.group(1)), unit=unit, name="temperature",
                                         evidence=Evidence(source="note", text=m.group(0), sentence=sentence)))
        _pregnancy(sentence, state)
        _scores(norm, state)
        for cue, key in (("consent", "consent"), ("compliance", "compliance")):
            affirmed = _affirmed(sentence, cue)
            if affirmed is not None:
                state["answers"][key] = affirmed
    height = [lab for lab in state["labs"] if lab.analyte == "height"]
    weight = [lab for lab in state["labs"] if lab.analyte == "weight"]
    labs = [lab for lab in state["labs"] if lab.analyte not in {"height", "weight"}]
    evidence = dict(state["evidence"])
    if age:
        evidence["age"] = Evidence(source="note", text=age[1], sentence=next((s for s in sentences if age[1] in s), None))
    profile = Profile(
        age=age[0] if age else None, sex=sex, conditions=state["conditions"], family_history=state["family"],  # type: ignore[arg-type]
        labs=labs, medications=state["medications"], procedures=state["procedures"],
        pregnant=state.get("pregnant"), lactating=state.get("lactating"),
        height_cm=_measure(height, "cm"), weight_kg=_measure(weight, "kg"), scores=state["scores"],
        answers=state["answers"], flags=flags, sentences=sentences, source="note", evidence=evidence,
    )
    return check_consistency(profile, today)


def _measure(facts: list[LabFact], unit: str) -> float | None:
    from ..labs import to_canonical

    for fact in facts:
        value = to_canonical(fact.value, fact.unit, "height" if unit == "cm" else "weight")
        if value is not None:
            return value
    return None

