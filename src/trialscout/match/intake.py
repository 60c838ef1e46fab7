"""Read what a person gives — a form (JSON), a FHIR R4 Bundle, or a clinical note — into a
:class:`PersonInput`: the eligibility profile plus where they are.

The eligibility engine builds the profile (``profile_from_form/fhir/note``); this module adds the
place (a form's ``location``, or the FHIR Patient's address), slims very large bundles to the newest
results of each test, and turns the engine's ``ProfileError`` into :class:`UnreadableProfile`.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import orjson

from ..eligibility import ProfileError, profile_from_fhir, profile_from_form, profile_from_note
from .errors import UnreadableProfile
from .models import InputKind, PersonInput

#: Of each kind of observation (one LOINC code), only the newest this many are read: criteria check the
#: latest result, and a record exported with years of monitoring would otherwise take seconds to read.
OBSERVATIONS_PER_CODE = 3
MAX_INPUT_BYTES = 20 * 1024 * 1024
_PLACE_KEYS = ("location", "near", "place")


def read_form(data: Any, today: date | None = None) -> PersonInput:
    """A form (the page's fields or the API's JSON): profile fields plus ``location`` and ``within``."""
    if not isinstance(data, dict):
        raise UnreadableProfile(f"A form profile must be a JSON object, not {type(data).__name__}.")
    fields = dict(data)
    place = next((str(fields.pop(k)).strip() for k in _PLACE_KEYS if isinstance(fields.get(k), str)
                  and fields.get(k).strip()), None)  # type: ignore[union-attr]
    for key in _PLACE_KEYS:
        fields.pop(key, None)
    within = fields.pop("within", None)
    note = fields.pop("note", None)
    if isinstance(note, str) and note.strip():
        person = read_note(note, today)
        if any(v not in (None, "", [], {}) for v in fields.values()):
            form = _profile(profile_from_form, fields, today)
            merged = form.model_copy(update={"conditions": form.conditions + person.profile.conditions,
                                             "labs": form.labs + person.profile.labs,
                                             "medications": form.medications + person.profile.medications,
                                             "flags": form.flags + person.profile.flags,
                                             "sentences": person.profile.sentences})
            person = PersonInput(merged, "form", note=note)
    else:
        person = PersonInput(_profile(profile_from_form, fields, today), "form")
    return PersonInput(person.profile, person.kind, place, _text(within), person.note, person.notices)


def read_fhir(bundle: Any, today: date | None = None) -> PersonInput:
    """A FHIR R4 Bundle (Patient/$everything); the place is the Patient's address (city, country)."""
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        kind = bundle.get("resourceType") if isinstance(bundle, dict) else type(bundle).__name__
        raise UnreadableProfile(f"Expected a FHIR Bundle, got {kind!r}: export the patient record as a Bundle "
                                "(Patient/$everything).")
    slim, notices = slim_bundle(bundle)
    profile = _profile(profile_from_fhir, slim, today)
    return PersonInput(profile, "fhir", patient_place(bundle), notices=notices)


def read_note(text: Any, today: date | None = None) -> PersonInput:
    """A clinical note or doctor's letter, as pasted."""
    if not isinstance(text, str):
        raise UnreadableProfile(f"A note must be text, not {type(text).__name__}.")
    return PersonInput(_profile(profile_from_note, text, today), "note", note=text)


def read_any(raw: bytes | str, today: date | None = None) -> PersonInput:
    """A file as a person would hand it over: JSON (a FHIR Bundle or a form) or plain text (a note)."""
    if isinstance(raw, bytes):
        if len(raw) > MAX_INPUT_BYTES:
            raise UnreadableProfile(f"The file has {len(raw) / 1e6:.0f} MB; send at most "
                                    f"{MAX_INPUT_BYTES // 1_000_000} MB.")
        try:
            raw = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise UnreadableProfile("The file is not text: send a FHIR Bundle (JSON), a form (JSON) or a "
                                    "note (plain text).") from None
    stripped = raw.strip()
    if not stripped:
        raise UnreadableProfile("The file is empty: send a FHIR Bundle, a form (JSON) or a note.")
    if stripped[0] in "{[":
        try:
            data = orjson.loads(stripped)
        except orjson.JSONDecodeError as exc:
            raise UnreadableProfile(f"The file looks like JSON but cannot be read: {exc}.") from None
        return read_json(data, today)
    return read_note(raw, today)


def read_json(data: Any, today: date | None = None) -> PersonInput:
    """JSON already parsed: a FHIR Bundle, ``{"note": ...}`` (with optional location), or a form."""
    if isinstance(data, dict) and "resourceType" in data:
        return read_fhir(data, today)
    return read_form(data, today)


def read_input(kind: InputKind, payload: Any, today: date | None = None) -> PersonInput:
    readers = {"form": read_form, "fhir": read_fhir, "note": read_note}
    return readers[kind](payload, today)


def with_place(person: PersonInput, place: str | None, within: str | None) -> PersonInput:
    """``person`` with the place and distance given beside the profile (these win over the profile's)."""
    return PersonInput(person.profile, person.kind, _text(place) or person.place, _text(within) or person.within,
                       person.note, person.notices)


def patient_place(bundle: dict[str, Any]) -> str | None:
    """"City, Country" of the first Patient's first address with a city or country."""
    for entry in bundle.get("entry") or []:
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(resource, dict) or resource.get("resourceType") != "Patient":
            continue
        for address in resource.get("address") or []:
            if not isinstance(address, dict):
                continue
            parts = [address.get("city"), address.get("country")]
            text = ", ".join(str(p).strip() for p in parts if isinstance(p, str) and p.strip())
            if text:
                return text
    return None


def slim_bundle(bundle: dict[str, Any], per_code: int = OBSERVATIONS_PER_CODE) -> tuple[dict[str, Any], tuple[str, ...]]:
    """The bundle with only the newest ``per_code`` observations of each code; a notice when any were left out."""
    entries = bundle.get("entry")
    if not isinstance(entries, list):
        return bundle, ()
    groups: dict[str, list[tuple[str, int]]] = {}
    for position, entry in enumerate(entries):
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if isinstance(resource, dict) and resource.get("resourceType") == "Observation":
            when = str(resource.get("effectiveDateTime") or (resource.get("effectivePeriod") or {}).get("start")
                       or resource.get("issued") or "")
            groups.setdefault(_code_key(resource), []).append((when, position))
    dropped: set[int] = set()
    for found in groups.values():
        if len(found) > per_code:
            found.sort(reverse=True)
            dropped.update(position for _, position in found[per_code:])
    if not dropped:
        return bundle, ()
    kept = [entry for position, entry in enumerate(entries) if position not in dropped]
    observations = sum(len(found) for found in groups.values())
    notice = (f"Your record has {observations:,} observations; we read the newest {per_code} of each of its "
              f"{len(groups):,} tests.")
    return {**bundle, "entry": kept}, (notice,)


def _code_key(resource: dict[str, Any]) -> str:
    code = resource.get("code")
    codings = code.get("coding") if isinstance(code, dict) else None
    if isinstance(codings, list):
        keys = sorted(f"{c.get('system')}|{c.get('code')}" for c in codings if isinstance(c, dict))
        if keys:
            return " ".join(keys)
    return str(code.get("text") if isinstance(code, dict) else code)


def _profile(builder: Any, payload: Any, today: date | None) -> Any:
    try:
        return builder(payload, today=today)
    except ProfileError as exc:
        raise UnreadableProfile(str(exc)) from None


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


# --- the page's form ------------------------------------------------------------------------------

FORM_FIELDS = ("age", "sex", "conditions", "location", "within", "statuses", "note", "fhir_text")


class FormProblem(UnreadableProfile):
    """A field of the "Find trials for me" form the person must correct; ``field`` names it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def read_submission(fields: dict[str, str], upload: bytes | None, today: date | None = None) -> PersonInput:
    """The page's form: a health record (uploaded or pasted) or a note, else the typed fields; the place
    typed in the form applies to all three. Raises :class:`FormProblem` naming the field to correct."""
    pasted = (fields.get("fhir_text") or "").strip()
    note = (fields.get("note") or "").strip()
    record = (upload or b"").strip()
    if record and pasted:
        raise FormProblem("fhir_text", "Give the health record once: upload the file or paste it, not both.")
    if (record or pasted) and note:
        raise FormProblem("note", "Use either a health record or a note, not both: clear one of them.")
    typed: dict[str, Any] = {}
    age = (fields.get("age") or "").strip()
    if age:
        try:
            typed["age"] = float(age.replace(",", "."))
        except ValueError:
            raise FormProblem("age", "Age: give your age in years, a number from 0 to 125.") from None
        if not 0 <= typed["age"] <= 125:
            raise FormProblem("age", "Age: give your age in years, a number from 0 to 125.")
    sex = (fields.get("sex") or "").strip().lower()
    if sex in {"female", "male"}:
        typed["sex"] = sex
    conditions = [c.strip() for line in (fields.get("conditions") or "").splitlines() for c in line.split(";")
                  if c.strip()]
    if conditions:
        typed["conditions"] = conditions[:20]
    if record or pasted:
        name = "fhir_file" if record else "fhir_text"
        try:
            person = read_any(record or pasted.encode(), today)
        except UnreadableProfile as exc:
            raise FormProblem(name, exc.message) from None
        if person.kind != "fhir":
            raise FormProblem(name, "The health record is not a FHIR Bundle: export the patient record from the "
                                    "portal as a FHIR R4 Bundle (JSON).")
    elif note:
        try:
            person = read_form({**typed, "note": note}, today)
        except UnreadableProfile as exc:
            raise FormProblem("note", exc.message) from None
    else:
        try:
            person = read_form(typed, today)
        except UnreadableProfile as exc:
            raise FormProblem("conditions", exc.message) from None
    return with_place(person, fields.get("location"), fields.get("within"))
