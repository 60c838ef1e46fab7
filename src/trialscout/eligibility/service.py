"""Check one person against one trial: the stored parse, a profile from any of three forms, the verdict.

The check page, the JSON API and ``trialscout check`` call this module and hold no logic of
their own::

    parsed = stored_parse(store, stored)                    # parsed once at store time
    form = check_form(parsed)                               # what the form asks
    profile = build_profile(ProfileInput("fhir", bundle))   # or "form" / "note"
    report = check_trial(stored, parsed, profile)           # CheckReport: verdict, criteria, questions

Nothing a person enters is stored or logged here: a profile lives only for the call, and error
messages name the field at fault, never the value typed into it.
"""

from __future__ import annotations

import json
import logging
import math
import traceback
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..store import StoredTrial, TrialStore
from .constraints import ParsedEligibility
from .derive import KIND, is_current, parsed_from_payload, payload_for
from .errors import EligibilityError, ProfileError
from .labs import NO_UNIT
from .evaluate import CriterionResult, EligibilityResult, Verdict, evaluate
from .profile import Evidence, Profile, ProfileFlag, apply_answers, check_consistency
from .profile import profile_from_fhir, profile_from_form, profile_from_note
from .questions import Question, questions_for

log = logging.getLogger(__name__)

ProfileKind = Literal["form", "fhir", "note"]

#: Largest FHIR record read from an upload or a pasted box (bytes) and largest note (characters).
MAX_FHIR_BYTES = 8 * 1024 * 1024
MAX_NOTE_CHARS = 200_000
DISCLAIMER = ("This is an automatic first look, not medical advice: it can miss details. "
              "Only the study team can say whether you can join; talk to your doctor too.")
_YES = {"yes", "y", "true", "1"}
_NO = {"no", "n", "false", "0"}


class CheckFailed(EligibilityError):
    """The check itself went wrong (a defect, not the person's input); nothing they entered was kept."""


class FormProblems(ProfileError):
    """Form fields the person must correct: ``problems`` maps a field name to what to do."""

    def __init__(self, problems: dict[str, str], too_large: bool = False) -> None:
        self.problems = problems
        self.too_large = too_large
        super().__init__(" ".join(problems.values()))


# --------------------------------------------------------------------------- the stored parse

def stored_parse(store: TrialStore, stored: StoredTrial) -> tuple[ParsedEligibility | None, str | None]:
    """The trial's parse from the derived store, and why there is none (``(None, reason)``).

    The deriver parses each record when it is stored; a parse that is missing or older than the
    record (a store filled before this step existed) is made now and stored for the next time.
    """
    derived = store.derived(KIND)
    payload = derived.get(stored.trial.nct_id)
    if not is_current(payload, stored):
        payload = payload_for(stored)
        derived.put([(stored.trial.nct_id, stored.content_hash, payload)])
    parsed = parsed_from_payload(payload)
    if parsed is None:
        return None, str(payload.get("error") or "The eligibility criteria could not be read automatically.")
    if not parsed.all():
        return parsed, "The record gives no eligibility criteria, so there is nothing to check automatically."
    return parsed, None


@dataclass(frozen=True)
class CriteriaLists:
    """A record's criteria as the trial page lists them: each criterion a line, sub-items nested.

    Each item is ``{"text", "section", "children": [...]}``.
    """

    inclusion: list[dict[str, Any]]
    exclusion: list[dict[str, Any]]


def criteria_lists(store: TrialStore, stored: StoredTrial) -> CriteriaLists | None:
    """Inclusion and exclusion lists from the stored parse, or ``None`` when there is no parse."""
    parsed, _ = stored_parse(store, stored)
    if parsed is None or not parsed.criteria:
        return None
    lists: dict[str, list[dict[str, Any]]] = {"inclusion": [], "exclusion": []}
    items: dict[int, dict[str, Any]] = {}
    for pc in parsed.criteria:
        c = pc.criterion
        item = items[c.index] = {"text": c.text, "section": c.section, "children": []}
        parent = items.get(c.parent) if c.parent is not None else None
        (parent["children"] if parent is not None else lists[c.kind]).append(item)
    return CriteriaLists(lists["inclusion"], lists["exclusion"])


# --------------------------------------------------------------------------- what the form asks

@dataclass(frozen=True)
class CheckForm:
    """The questions of one trial's form, grouped as the page shows them.

    Age, birth date and sex are always asked (outside these groups); the rest only when a
    criterion needs it.
    """

    labs: list[Question] = field(default_factory=list)
    health: list[Question] = field(default_factory=list)
    measures: list[Question] = field(default_factory=list)
    review: list[Question] = field(default_factory=list)

    def questions(self) -> list[Question]:
        return [*self.labs, *self.health, *self.measures, *self.review]


def check_form(parsed: ParsedEligibility | None) -> CheckForm:
    """Only what this trial's parsed criteria need, labs in the units a lab report prints."""
    if parsed is None:
        return CheckForm()
    form = CheckForm()
    for q in questions_for(parsed, include_review=True):
        if q.id in {"age", "sex"}:
            continue
        if q.id.startswith("criterion:"):
            form.review.append(q)
        elif q.kind == "lab":
            form.labs.append(q)
        elif q.kind == "yes_no":
            form.health.append(q)
        else:
            form.measures.append(q)
    return form


def field_name(question_id: str, part: str = "a") -> str:
    """Form field of a question: ``a:<id>`` for the answer, ``u:<id>`` for its unit."""
    return f"{part}:{question_id}"


def question_label(q: Question) -> str:
    """A short name for a lab or measure question: "What is your most recent INR?" -> "INR"."""
    label = q.text.rstrip("?")
    for lead in ("What is your most recent ", "What is your ", "How much do you ", "How "):
        if label.startswith(lead):
            label = label[len(lead):]
            break
    return label[:1].upper() + label[1:]


def _number(text: str, label: str, low: float, high: float, whole: bool = False) -> tuple[float | None, str | None]:
    raw = text.strip().replace(",", ".").replace(" ", "")
    if not raw:
        return None, None
    try:
        value = float(raw)
    except ValueError:
        return None, f"{label}: type a number, digits only (for example 12.5)."
    if not math.isfinite(value) or value < low or value > high:
        return None, f"{label}: give a number between {low:g} and {high:g}."
    return (float(round(value)) if whole else value), None


def _unit(question: Question, chosen: str) -> str | None:
    """The engine's spelling of a unit offered by ``question`` (``None`` when not offered)."""
    if not question.unit_options:
        return None
    chosen = chosen.strip() or question.unit_options[0]
    if chosen not in question.unit_options:
        return None
    return "1" if chosen == NO_UNIT else chosen


def form_profile_data(fields: Mapping[str, str], form: CheckForm, today: date | None = None) -> dict[str, Any]:
    """Turn the check page's fields into ``profile_from_form`` data; ``FormProblems`` names bad fields.

    Empty fields mean "I don't know" and are left out.
    """
    today = today or date.today()
    problems: dict[str, str] = {}
    data: dict[str, Any] = {}
    answers: dict[str, Any] = {}
    age, error = _number(fields.get("age", ""), "Age", 0, 125)
    if error:
        problems["age"] = "Age: give your age in years, a number from 0 to 125."
    elif age is not None:
        data["age"] = age
    born = fields.get("birth_date", "").strip()
    if born:
        try:
            when = date.fromisoformat(born)
        except ValueError:
            problems["birth_date"] = "Birth date: use the form YYYY-MM-DD, for example 1973-04-01."
        else:
            if when > today or (today - when).days > 125 * 365.25:
                problems["birth_date"] = "Birth date: give a date in the past, less than 125 years ago."
            else:
                data["birth_date"] = when.isoformat()
    sex = fields.get("sex", "").strip().lower()
    if sex in {"female", "male"}:
        data["sex"] = sex
    elif sex not in {"", "unknown"}:
        problems["sex"] = "Sex: choose female, male, or leave it open."
    for q in form.questions():
        name = field_name(q.id)
        value = fields.get(name, "").strip()
        if not value:
            continue
        label = question_label(q)
        if q.kind == "lab" or (q.kind == "number" and q.unit_options):
            number, error = _number(value, label, 0, 1_000_000)
            unit = _unit(q, fields.get(field_name(q.id, "u"), ""))
            if error:
                problems[name] = error
            elif unit is None:
                problems[field_name(q.id, "u")] = f"{label}: choose a unit from the list."
            elif number is not None:
                answers[q.id] = {"value": number, "unit": unit}
        elif q.kind == "number":
            number, error = _number(value, label, 0, 1_000_000)
            if error:
                problems[name] = error
            elif number is not None:
                answers[q.id] = number
        elif q.kind == "choice":
            if value not in q.choices:
                problems[name] = f"{label}: choose one of the options."
            else:
                answers[q.id] = value
        else:
            lowered = value.lower()
            if lowered in _YES:
                answers[q.id] = "yes"
            elif lowered in _NO:
                answers[q.id] = "no"
            elif lowered not in {"unknown", "dont_know", "not sure"}:
                problems[name] = "Answer yes, no or I don't know."
    if problems:
        raise FormProblems(problems)
    if answers:
        data["answers"] = answers
    return data


# --------------------------------------------------------------------------- profiles

@dataclass(frozen=True)
class ProfileInput:
    """A profile in one of its three forms.

    ``typed`` is form data (age, birth_date, sex, answers keyed by question id) laid on top of a
    FHIR record or a note: what the person typed wins.
    """

    kind: ProfileKind
    data: Any
    typed: dict[str, Any] = field(default_factory=dict)


def read_json(text: str | bytes, what: str) -> Any:
    """JSON from ``text``; ``ProfileError`` saying where it breaks (never quoting the content)."""
    try:
        return json.loads(text.decode("utf-8-sig") if isinstance(text, bytes) else text)
    except (UnicodeDecodeError, ValueError) as exc:
        where = f" (line {exc.lineno}, column {exc.colno})" if isinstance(exc, json.JSONDecodeError) else ""
        raise ProfileError(f"The {what} is not valid JSON{where}: export it again as a FHIR R4 Bundle "
                           "in JSON format.") from None


def detect_profile(content: str | bytes) -> ProfileInput:
    """A profile from a file's content: a FHIR Bundle (``resourceType`` "Bundle"), form JSON, or a note.

    Raises ``ProfileError`` for an empty file or JSON that is neither a Bundle nor a form object.
    """
    if isinstance(content, bytes):
        try:
            content = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ProfileError("The profile file is not UTF-8 text: save it as a JSON file or a plain text note.") \
                from None
    text = content.strip()
    if not text:
        raise ProfileError("The profile file is empty: give form JSON, a FHIR Bundle, or the text of a note.")
    if text[0] in "{[":
        try:
            data = json.loads(text)
        except ValueError:
            data = None
        if isinstance(data, dict):
            if "resourceType" in data:
                return ProfileInput("fhir", data)
            return ProfileInput("form", data)
        if data is not None:
            raise ProfileError("The profile file holds JSON but not an object: give form JSON such as "
                               "{\"age\": 52, \"sex\": \"male\"} or a FHIR Bundle.")
    return ProfileInput("note", text)


def _refuse_implausible(profile: Profile) -> None:
    """Absurd values typed into a form (age -5) are refused; a record's or note's are shown as flags."""
    for flag in profile.flags:
        if flag.code == "implausible":
            raise ProfileError(flag.message)


def _refuse_other_language(profile: Profile) -> None:
    """A note the reader cannot read (not English) gives no verdict rather than one from misread facts."""
    for flag in profile.flags:
        if flag.code == "language":
            raise ProfileError("The note does not look like English: only notes in English can be read. "
                               "Answer the questions in the form instead, or paste an English letter.")


def _merged(data: Any, typed: dict[str, Any]) -> Any:
    """Form data with typed answers added (typed wins)."""
    if not typed or not isinstance(data, dict):
        return data
    answers = data.get("answers") if isinstance(data.get("answers"), dict) else {}
    return {**data, **typed, "answers": {**answers, **typed.get("answers", {})}}


def _from_form(data: Any, today: date) -> Profile:
    if not isinstance(data, dict):
        raise ProfileError("The profile must be a JSON object such as {\"age\": 52, \"sex\": \"male\"}.")
    profile = profile_from_form(data, today=today)
    _refuse_implausible(profile)
    return profile


def _overlay(profile: Profile, typed: Profile) -> Profile:
    """``typed`` (from the form) on top of a record or note profile: what the person typed wins."""
    update: dict[str, Any] = {"answers": {**profile.answers, **typed.answers}}
    evidence = dict(profile.evidence)
    if typed.age is not None or typed.birth_date is not None:
        update.update(age=typed.age, birth_date=typed.birth_date)
        evidence.pop("birth_date", None)
        evidence["age"] = Evidence(source="form", text="the age you entered")
    if typed.sex is not None:
        update["sex"] = typed.sex
        evidence["sex"] = Evidence(source="form", text=f"sex you entered: {typed.sex}")
    update["evidence"] = evidence
    return profile.model_copy(update=update)


def build_profile(source: ProfileInput, today: date | None = None) -> Profile:
    """A ``Profile`` from form data, a FHIR Bundle or a note, with typed answers on top.

    Raises ``ProfileError`` with a message for the person (a bad field, an empty profile, a
    record that is not a Bundle) and ``CheckFailed`` when the engine itself fails.
    """
    today = today or date.today()
    try:
        if source.kind == "form":
            profile = _from_form(_merged(source.data, source.typed), today)
        else:
            if source.kind == "fhir":
                profile = profile_from_fhir(source.data, today=today)
            elif isinstance(source.data, str) and len(source.data) > MAX_NOTE_CHARS:
                raise ProfileError(f"The note is longer than {MAX_NOTE_CHARS:,} characters: paste the most "
                                   "recent letter or summary only.")
            else:
                profile = profile_from_note(source.data, today=today)
                _refuse_other_language(profile)
            if source.typed:
                profile = check_consistency(_overlay(profile, _from_form(source.typed, today)), today)
        profile = apply_answers(profile)
    except ProfileError:
        raise
    except EligibilityError as exc:  # a unit or value the engine cannot use: the person can fix it
        raise ProfileError(str(exc)) from None
    except Exception as exc:  # noqa: BLE001 - a defect; its message may quote the input, so it is not logged
        _log_defect("profile", exc)
        raise CheckFailed("Your details could not be read because of a fault in trialscout; nothing you "
                          "entered was kept. Try the form instead, or try again later.") from None
    if profile.is_empty():
        raise ProfileError(_empty_message(source.kind, profile.flags))
    return profile


def _empty_message(kind: ProfileKind, flags: list[ProfileFlag]) -> str:
    hints = " ".join(f.message for f in flags)
    if kind == "note":
        return ("We could not find any health facts in the note (age, sex, conditions, medicines or lab "
                f"values); only notes in English can be read. {hints} Fill in the form instead."
                ).replace("  ", " ").strip()
    if kind == "fhir":
        return ("The health record holds nothing we can use (no Patient, Condition, Observation, medication or "
                f"procedure we could read). {hints} Fill in the form instead.").replace("  ", " ").strip()
    return ("Nothing was filled in: answer at least one question (your age is a good start), upload a health "
            "record, or paste a doctor's note.")


def _log_defect(stage: str, exc: BaseException) -> None:
    """Log a fault by its type and place only: the message or locals could quote what a person entered."""
    frames = traceback.extract_tb(exc.__traceback__)
    where = f"{frames[-1].filename}:{frames[-1].lineno}" if frames else "?"
    log.error("eligibility check fault in %s: %s at %s", stage, type(exc).__name__, where)


# --------------------------------------------------------------------------- the check

class CheckRequest(BaseModel):
    """A profile in exactly one of three forms, plus optional answers to the trial's questions."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"profile": {"age": 52, "sex": "male",
                     "answers": {"lab:bilirubin": {"value": 210, "unit": "µmol/L"}, "lab:inr": {"value": 1.9}}}},
        {"note": "52-year-old man with acute-on-chronic liver failure on chronic hepatitis B. "
                 "Total bilirubin 210 umol/L, INR 1.9."},
        {"fhir": {"resourceType": "Bundle", "type": "collection", "entry": []}},
    ]})

    profile: dict[str, Any] | None = Field(None, description=(
        "Form data: age, birth_date (YYYY-MM-DD), sex, conditions, absent_conditions, labs [{name, value, unit}], "
        "medications, procedures, pregnant, lactating, height, weight, scores, and answers keyed by question id "
        "(from the trial's questions: lab:<analyte> {value, unit}, condition:<concept> yes/no, score:<score> ...)."))
    fhir: dict[str, Any] | None = Field(None, description="A FHIR R4 Bundle (Patient, Condition, Observation with "
                                                          "LOINC codes and UCUM units, MedicationStatement, Procedure).")
    note: str | None = Field(None, max_length=MAX_NOTE_CHARS, description="A clinical note or doctor's letter in English.")
    answers: dict[str, Any] | None = Field(None, description=(
        "Answers to the trial's questions, added on top of `fhir` or `note` (what you answer wins)."))

    @model_validator(mode="after")
    def _one_form(self) -> CheckRequest:
        given = [name for name in ("profile", "fhir", "note") if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of 'profile', 'fhir' or 'note'")
        return self

    def to_input(self) -> ProfileInput:
        typed = {"answers": dict(self.answers)} if self.answers else {}
        if self.profile is not None:
            return ProfileInput("form", self.profile, typed)
        if self.fhir is not None:
            return ProfileInput("fhir", self.fhir, typed)
        return ProfileInput("note", self.note, typed)


class CheckReport(BaseModel):
    """The answer to "might I qualify?" for one trial: the verdict, every criterion, what to ask next."""

    nct_id: str
    title: str | None = None
    verdict: Verdict = Field(description="likely_eligible, likely_not_eligible or need_more_information.")
    summary: str
    criteria: list[CriterionResult] = Field(description=(
        "Every criterion (registry age/sex limits first, negative indexes) with status met, not_met, unknown or "
        "not_applicable; for an exclusion, met means it applies to the person (see `applies`)."))
    questions: list[Question] = Field(default_factory=list, description="Questions that would settle the unknowns.")
    blocking: list[int] = Field(default_factory=list, description="Indexes of the criteria that rule the person out.")
    to_review: list[int] = Field(default_factory=list, description="Indexes of criteria the parser could not read.")
    to_confirm: list[int] = Field(default_factory=list, description=(
        "Indexes of open criteria that do not hold the verdict back: exclusions nothing given points to, and "
        "inclusions met but for a detail the study team confirms (see each criterion's `open`)."))
    flags: list[ProfileFlag] = Field(default_factory=list, description="Things to check in what was given.")
    profile_source: ProfileKind
    has_criteria: bool = True
    notice: str = DISCLAIMER


def check_trial(stored: StoredTrial, parsed: ParsedEligibility | None, profile: Profile,
                source: ProfileKind, no_criteria: str | None = None, today: date | None = None) -> CheckReport:
    """Evaluate ``profile`` against the trial's parse; a trial without criteria gets "need more information"."""
    trial = stored.trial
    if parsed is None or not parsed.all():
        reason = no_criteria or "The record gives no eligibility criteria, so there is nothing to check automatically."
        return CheckReport(nct_id=trial.nct_id, title=trial.title, verdict="need_more_information",
                           summary=f"{reason} Ask the study team whether you can join.", criteria=[],
                           flags=list(profile.flags), profile_source=source, has_criteria=False)
    try:
        result: EligibilityResult = evaluate(parsed, profile, today=today)
    except ProfileError:
        raise
    except Exception as exc:  # noqa: BLE001 - see _log_defect
        _log_defect(f"evaluate {trial.nct_id}", exc)
        raise CheckFailed("This trial could not be checked because of a fault in trialscout; nothing you entered "
                          "was kept. Please try again later.") from None
    return CheckReport(nct_id=trial.nct_id, title=trial.title, profile_source=source,
                       **result.model_dump(include={"verdict", "summary", "criteria", "questions", "blocking",
                                                    "to_review", "to_confirm", "flags"}))


def check_stored_trial(store: TrialStore, stored: StoredTrial, source: ProfileInput,
                       today: date | None = None) -> CheckReport:
    """Build the profile and check it against the trial's stored parse (the API and CLI path)."""
    parsed, reason = stored_parse(store, stored)
    profile = build_profile(source, today=today)
    return check_trial(stored, parsed, profile, source.kind, reason, today=today)


# --------------------------------------------------------------------------- the web form

@dataclass(frozen=True)
class Submission:
    """What the check page's form sent: its text fields and the uploaded record's bytes (if any)."""

    fields: Mapping[str, str]
    upload: bytes | None = None


def submission_input(submission: Submission, form: CheckForm, today: date | None = None) -> ProfileInput:
    """Which profile the form describes: an uploaded or pasted FHIR record, a note, or the answers alone.

    Answers typed in the form are used on top of a record or a note. Raises ``FormProblems``.
    """
    fields = submission.fields
    typed = form_profile_data(fields, form, today)
    pasted = fields.get("fhir_text", "").strip()
    note = fields.get("note", "").strip()
    upload = submission.upload or b""
    problems: dict[str, str] = {}
    if upload.strip() and pasted:
        problems["fhir_text"] = "Give the health record once: upload the file or paste it, not both."
    if (upload.strip() or pasted) and note:
        problems["note"] = "Use either a health record or a note, not both: clear one of them."
    if len(upload) > MAX_FHIR_BYTES or len(pasted.encode()) > MAX_FHIR_BYTES:
        raise FormProblems({"fhir_file" if len(upload) > MAX_FHIR_BYTES else "fhir_text": (
            f"The health record is larger than {MAX_FHIR_BYTES // (1024 * 1024)} MB: export only recent results "
            "(for example the last year), or fill in the form.")}, too_large=True)
    if problems:
        raise FormProblems(problems)
    if upload.strip() or pasted:
        name = "fhir_file" if upload.strip() else "fhir_text"
        try:
            bundle = read_json(upload if upload.strip() else pasted, "health record")
        except ProfileError as exc:
            raise FormProblems({name: str(exc)}) from None
        if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
            raise FormProblems({name: "The health record is not a FHIR Bundle: export the patient record from "
                                      "the portal as a FHIR R4 Bundle (JSON)."})
        return ProfileInput("fhir", bundle, typed)
    if note:
        return ProfileInput("note", note, typed)
    if not typed:
        raise FormProblems({"": _empty_message("form", [])})
    return ProfileInput("form", typed)


def check_submission(store: TrialStore, stored: StoredTrial, submission: Submission,
                     today: date | None = None) -> CheckReport:
    """The check page's POST: read the form, build the profile, check it. Raises ``ProfileError``."""
    parsed, reason = stored_parse(store, stored)
    source = submission_input(submission, check_form(parsed), today)
    profile = build_profile(source, today=today)
    return check_trial(stored, parsed, profile, source.kind, reason, today=today)
