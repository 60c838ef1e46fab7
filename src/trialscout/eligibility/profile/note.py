"""Build a ``Profile`` from a free-text clinical note.

Reads age ("52-year-old man"), sex, conditions with negation, history and
family context (medspaCy ConText: "denies smoking, diabetes"), lab values
("bilirubin 210 µmol/L", "INR 1.9"), medications, procedures, height, weight,
scores and pregnancy. Every fact keeps the sentence it came from as evidence.
A note that does not look like English is flagged, not rejected.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, timedelta
from typing import Any

from ..errors import ProfileError
from ..grades import score_id, score_index
from ..measures import find_lab_flags, find_lab_values
from ..nlp import Mention, context_for_spans, mentions_many
from ..ruleset import cue_matcher
from ..text import grade_number, normalize, parse_number, word_number
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
# Function words (not medical terms, which many languages share): English, and French, German,
# Spanish, Italian, Portuguese and Dutch. Words English notes also use ("per", "met", "von
# Willebrand", "post-op") are left out; a word in both lists counts for neither.
_EN_WORDS = set("""the and of with was is to for on at by from has had have he she his her him this that these were are
be been not or but who which after than as denies denied presented presents admitted there their its an""".split())
_OTHER_WORDS = set("""le la les des du une un est et avec dans sur pour au aux il elle ans chez sans qui ou par depuis
der die das den dem und mit ist ein eine einer eines bei seit nicht auf für wurde zu jahre jährige
el los las con es una por para años se que su sin desde tiene
lo gli della delle dei è di che anni sono
os das dos com uma não em é ao
de het een zijn niet voor bij jaar""".split())
_EN_WORDS, _OTHER_WORDS = _EN_WORDS - _OTHER_WORDS, _OTHER_WORDS - _EN_WORDS
_STOPPED = re.compile(r"\b(?:previously|prior|stopped|discontinued|formerly|used to|was on|had been on|quit)\b", re.I)
_FORMER = re.compile(r"\b(?:former|ex-|quit|stopped|gave up)\b", re.I)


# "cough for 2 days", "chronic cough for the past two years": how long what the clause names has lasted
_FOR_LENGTH = re.compile(r"\bfor\s+(?:the\s+)?(?:(?:past|last)\s+)?(?P<n>\d{1,3}(?:\.\d+)?|one|two|three|four|five|six|seven|"
                         r"eight|nine|ten|eleven|twelve|a|an)\s*(?P<unit>hours?|days?|weeks?|months?|years?)\b", re.I)
_CLAUSE_BREAK = re.compile(r"(?i)\b(?:with|presents?|presented|presenting|complains?|complaining|who|which|has|had|have|"
                           r"was|is|were|denies|denied|reports?|reported|since|after|before|but|then|history)\b|[;:.]")
_DAYS = {"h": 1 / 24, "d": 1, "w": 7, "m": 30.44, "y": 365.25}


def _onset(norm: str, end: int, today: date) -> date | None:
    """When a condition named at ``norm[..end]`` began, from "for 2 days" later in the same clause."""
    for m in _FOR_LENGTH.finditer(norm, end):
        gap = norm[end:m.start()]
        if len(gap) > 60 or _CLAUSE_BREAK.search(gap):
            return None
        n = 1.0 if m["n"].lower() in {"a", "an"} else word_number(m["n"])
        return None if n is None else today - timedelta(days=n * _DAYS[m["unit"][0].lower()])
    return None


def looks_english(text: str) -> bool:
    """False when a note is clearly in another language; short or terse notes get the benefit of the doubt.

    Three signs, each measured, none a single word: most letters outside the Latin script (Chinese,
    Cyrillic, Arabic ...); more function words of another European language than of English; or a long
    text with almost no English function words. Abbreviations (INR, IL-6) and single letters are not words here.
    """
    letters = [ch for ch in text if ch.isalpha()]
    other_script = sum(1 for ch in letters if not unicodedata.name(ch, "").startswith("LATIN"))
    if other_script >= 5 and other_script > 0.3 * len(letters):
        return False
    words = [w.lower() for w in re.findall(r"[^\W\d_]+", text) if len(w) > 1 and not w.isupper()]
    english = sum(w in _EN_WORDS for w in words)
    other = sum(w in _OTHER_WORDS for w in words)
    if other >= 2 and other > english:
        return False
    return not (len(words) >= 15 and english < 0.05 * len(words))


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


def _fact_from_mention(m: Mention, sentence: str, state: dict[str, Any], onset: date | None = None) -> None:
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
                                                 status=status, onset=None if m.negated else onset, evidence=ev))
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


_GRADE_BEFORE = re.compile(r"\b(?:grade|stage|class)\s+(\d|IV|I{1,3})\s*(?:\(\s*\w+\s*\)\s*)?$", re.I)


def _scores(sentence: str, state: dict[str, Any]) -> None:
    for m in score_index().finditer(sentence):
        sid = score_id(m.group(0))
        tail = re.match(r"\s*(?:score|class|grade|of|is|was|:|=)*\s*(\d{1,3}(?:\.\d+)?)\b(?!\s*(?:%|mg|mmol|/))",
                        sentence[m.end():m.end() + 30], re.I)
        before = _GRADE_BEFORE.search(sentence[max(0, m.start() - 20):m.start()])  # "grade I hepatic encephalopathy"
        if sid and tail:
            state["scores"][sid] = float(tail.group(1))
            state["evidence"][f"score:{sid}"] = Evidence(source="note", text=m.group(0) + tail.group(0), sentence=sentence)
        elif sid and before and grade_number(before.group(1)) is not None:
            state["scores"][sid] = float(grade_number(before.group(1)))  # type: ignore[arg-type]
            state["evidence"][f"score:{sid}"] = Evidence(source="note", text=before.group(0) + m.group(0),
                                                         sentence=sentence)


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
    if not looks_english(text):
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
            _fact_from_mention(m, sentence, state, _onset(norm, m.end, today or date.today()))
        for start, end, analyte, value, unit in find_lab_values(norm):
            if analyte == "temperature" and unit is None:  # "temperature 103.4": the number says which scale
                unit = "Cel" if 30 <= value <= 45 else ("degF" if 86 <= value <= 113 else None)
                if unit is None:
                    continue  # "Troponin T 0.40": not a body temperature
            state["labs"].append(LabFact(analyte=analyte, value=value, unit=unit, name=norm[start:end].split()[0],
                                         evidence=Evidence(source="note", text=norm[start:end], sentence=sentence)))
        valued = {lab.analyte for lab in state["labs"] if lab.evidence and lab.evidence.sentence == sentence}
        for start, end, analyte, flag in find_lab_flags(norm):
            if analyte not in valued:  # "IL-6 elevated", "raised CRP": the report's flag without a value
                state["labs"].append(LabFact(analyte=analyte, interpretation=flag, name=norm[start:end],  # type: ignore[arg-type]
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

