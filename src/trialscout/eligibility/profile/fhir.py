"""Build a ``Profile`` from a FHIR R4 Bundle (Patient, Condition, Observation, MedicationStatement, ...).

Each resource is validated with ``fhir.resources`` (R4B models, which read R4
data). A resource that fails validation is skipped and counted in a flag; a
bundle that is not a Bundle raises ``ProfileError``. Observations are mapped by
LOINC code (``rules/analytes.json``, ``rules/scores.json``) with UCUM units;
conditions by ICD-10 / SNOMED code or by their text.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from typing import Any

from pydantic import ValidationError

from ..errors import ProfileError, UnitError
from ..labs import analyte_by_loinc, convert, unit_info
from ..grades import score_table
from ..ruleset import load_rules_file, vocabulary
from .models import (
    ConditionFact, Evidence, LabFact, MedicationFact, ProcedureFact, Profile, ProfileFlag, check_consistency,
)

MAX_ENTRIES = 50_000


@lru_cache(maxsize=1)
def _codes_table() -> dict[str, frozenset[str]]:
    """``rules/fhir_codes.json`` as sets of codes."""
    return {k: frozenset(v) for k, v in load_rules_file("fhir_codes.json").items() if isinstance(v, list)}


def _code_set(name: str) -> frozenset[str]:
    return _codes_table().get(name, frozenset())

def _models() -> dict[str, Any]:
    from fhir.resources.R4B.condition import Condition
    from fhir.resources.R4B.medicationrequest import MedicationRequest
    from fhir.resources.R4B.medicationstatement import MedicationStatement
    from fhir.resources.R4B.observation import Observation
    from fhir.resources.R4B.patient import Patient
    from fhir.resources.R4B.procedure import Procedure

    return {"Patient": Patient, "Condition": Condition, "Observation": Observation,
            "MedicationStatement": MedicationStatement, "MedicationRequest": MedicationRequest, "Procedure": Procedure}


def _day(value: Any) -> date | None:
    if value is None:
        return None
    if isinstance(value, date):
        return value if not hasattr(value, "date") else value.date()  # datetime -> date
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _codes(concept: Any) -> list[tuple[str, str, str]]:
    """(system, code, display) triples of a CodeableConcept dict."""
    if not isinstance(concept, dict):
        return []
    return [(c.get("system") or "", c.get("code") or "", c.get("display") or "") for c in concept.get("coding") or []]


def _text(concept: Any) -> str:
    if not isinstance(concept, dict):
        return ""
    return concept.get("text") or next((d for _, _, d in _codes(concept) if d), "")


def _concept(kind: str, concept: Any) -> tuple[str | None, str]:
    vocab = vocabulary(kind)
    name = _text(concept)
    for system, code, _ in _codes(concept):
        systems = _code_set("condition_systems") | _code_set("medication_systems")
        if code and any(name in system.lower() for name in systems):
            hit = vocab.by_code(code)
            if hit:
                return hit, name or vocab.label(hit) or code
    for candidate in [name] + [d for _, _, d in _codes(concept)]:
        if candidate:
            hit = vocab.lookup(candidate)
            found = vocab.find(candidate)
            if hit or len({f[2] for f in found}) == 1:
                return hit or found[0][2], candidate
    return None, name


def profile_from_fhir(bundle: dict[str, Any], today: date | None = None) -> Profile:
    """Build a ``Profile`` from a FHIR R4 Bundle dict. Raises ``ProfileError`` when it is not a Bundle."""
    if not isinstance(bundle, dict):
        raise ProfileError(f"A FHIR bundle must be a JSON object, not {type(bundle).__name__}.")
    if bundle.get("resourceType") != "Bundle":
        raise ProfileError("Expected a FHIR Bundle (resourceType \"Bundle\"): export the patient record as a "
                           "Bundle (Patient/$everything).")
    entries = bundle.get("entry") or []
    if not isinstance(entries, list):
        raise ProfileError("Bundle.entry must be a list of entries with a 'resource'.")
    flags: list[ProfileFlag] = []
    if len(entries) > MAX_ENTRIES:
        flags.append(ProfileFlag(code="truncated", message=f"The bundle has {len(entries)} entries; only the first "
                                 f"{MAX_ENTRIES} were read. Export fewer or more recent resources."))
        entries = entries[:MAX_ENTRIES]
    models = _models()
    state: dict[str, Any] = {"conditions": [], "labs": [], "medications": [], "procedures": [], "scores": {},
                             "evidence": {}, "heights": [], "weights": []}
    bad: dict[str, int] = {}
    for entry in entries:
        resource = entry.get("resource") if isinstance(entry, dict) else None
        rtype = resource.get("resourceType") if isinstance(resource, dict) else None
        if rtype not in models:
            continue
        try:
            models[rtype].model_validate(resource)
        except (ValidationError, ValueError, TypeError):
            bad[rtype] = bad.get(rtype, 0) + 1
            continue
        _READERS[rtype](resource, state)
    for rtype, count in bad.items():
        flags.append(ProfileFlag(code="unreadable", message=f"{count} {rtype} resource(s) are not valid FHIR R4 and "
                                                             "were skipped: check the export."))
    for key, label in (("heights", "height_cm"), ("weights", "weight_kg")):
        if state[key]:
            state[label] = max(state[key], key=lambda x: (x[0] is not None, x[0] or date.min))[1]
    for lab in state["labs"]:
        if lab.unit and unit_info(lab.unit) is None:
            flags.append(ProfileFlag(code="unknown_unit", message=f"Unit '{lab.unit}' of {lab.name} is not known; "
                                                                  "criteria about it stay unknown."))
    profile = Profile(
        sex=state.get("sex"), birth_date=state.get("birth_date"), conditions=state["conditions"],
        family_history=[], labs=state["labs"], medications=state["medications"], procedures=state["procedures"],
        pregnant=state.get("pregnant"), lactating=state.get("lactating"), height_cm=state.get("height_cm"),
        weight_kg=state.get("weight_kg"), scores=state["scores"], flags=_dedupe(flags), source="fhir",
        evidence=state["evidence"],
    )
    return check_consistency(profile, today)


def _dedupe(flags: list[ProfileFlag]) -> list[ProfileFlag]:
    out: list[ProfileFlag] = []
    for f in flags:
        if f not in out:
            out.append(f)
    return out


def _patient(r: dict[str, Any], state: dict[str, Any]) -> None:
    gender = (r.get("gender") or "").lower()
    if gender in {"female", "male"}:
        state["sex"] = gender
        state["evidence"]["sex"] = Evidence(source="fhir", text=f"Patient.gender = {gender}")
    if r.get("birthDate"):
        state["birth_date"] = _day(r["birthDate"])
        state["evidence"]["birth_date"] = Evidence(source="fhir", text=f"Patient.birthDate = {r['birthDate']}")


def _condition(r: dict[str, Any], state: dict[str, Any]) -> None:
    verification = {c for _, c, _ in _codes(r.get("verificationStatus"))}
    if "entered-in-error" in verification:
        return
    clinical = {c for _, c, _ in _codes(r.get("clinicalStatus"))}
    concept, name = _concept("condition", r.get("code"))
    if not name and not concept:
        return
    status = "resolved" if clinical & {"inactive", "remission", "resolved"} or r.get("abatementDateTime") else "active"
    onset = _day(r.get("onsetDateTime") or (r.get("onsetPeriod") or {}).get("start") or r.get("recordedDate"))
    state["conditions"].append(ConditionFact(
        name=name or concept or "condition", concept=concept, present="refuted" not in verification, status=status,
        onset=onset, evidence=Evidence(source="fhir", text=f"Condition: {name} ({', '.join(sorted(clinical)) or 'no status'})")))


def _quantity(q: Any) -> tuple[float, str | None] | None:
    if not isinstance(q, dict) or q.get("value") is None:
        return None
    return float(q["value"]), q.get("code") or q.get("unit")


def _observation(r: dict[str, Any], state: dict[str, Any]) -> None:
    if r.get("status") in {"entered-in-error", "cancelled"}:
        return
    when = _day(r.get("effectiveDateTime") or (r.get("effectivePeriod") or {}).get("start") or r.get("issued"))
    parts = [(r.get("code"), r)] + [(c.get("code"), c) for c in r.get("component") or [] if isinstance(c, dict)]
    for code, holder in parts:
        for system, loinc, display in _codes(code):
            if "loinc" not in system.lower() and system:
                continue
            if _read_loinc(loinc, display or _text(code), holder, when, state):
                break


#: Observation.interpretation codes (v3 ObservationInterpretation) that say where a result lies.
_INTERPRETATION = {"H": "high", "HH": "high", "HU": "high", "L": "low", "LL": "low", "LU": "low", "N": "normal"}


def _interpretation(value: Any) -> str | None:
    """"high", "normal" or "low" from an Observation's interpretation (a list of CodeableConcepts)."""
    for concept in value if isinstance(value, list) else []:
        for _, code, _ in _codes(concept):
            if code.upper() in _INTERPRETATION:
                return _INTERPRETATION[code.upper()]
    return None


def _read_loinc(loinc: str, name: str, holder: dict[str, Any], when: date | None, state: dict[str, Any]) -> bool:
    value_codes = {c for _, c, _ in _codes(holder.get("valueCodeableConcept"))}
    if loinc in _code_set("pregnancy_status_loinc"):
        if value_codes & _code_set("pregnant_snomed"):
            state["pregnant"] = True
        elif value_codes & _code_set("not_pregnant_snomed"):
            state["pregnant"] = False
        return True
    if loinc in _code_set("lactating_loinc") and isinstance(holder.get("valueBoolean"), bool):
        state["lactating"] = holder["valueBoolean"]
        return True
    if loinc in _code_set("smoking_status_loinc"):
        ev = Evidence(source="fhir", text=f"Observation: smoking status {_text(holder.get('valueCodeableConcept'))}")
        if value_codes & _code_set("never_smoker_snomed"):
            state["conditions"].append(ConditionFact(name="smoking", concept="smoking", present=False, evidence=ev))
        elif value_codes & _code_set("former_smoker_snomed"):
            state["conditions"].append(ConditionFact(name="smoking", concept="smoking", status="resolved", evidence=ev))
        elif value_codes & _code_set("current_smoker_snomed"):
            state["conditions"].append(ConditionFact(name="smoking", concept="smoking", evidence=ev))
        return True
    quantity = _quantity(holder.get("valueQuantity"))
    flag = _interpretation(holder.get("interpretation"))
    if quantity is None:
        analyte = analyte_by_loinc(loinc)
        if flag is None or analyte is None or analyte in {"height", "weight"}:
            return False
        state["labs"].append(LabFact(analyte=analyte, interpretation=flag, date=when, name=name or analyte,  # type: ignore[arg-type]
                                     evidence=Evidence(source="fhir", text=f"Observation {name or loinc}: {flag}")))
        return True
    value, unit = quantity
    score = _score_by_loinc(loinc)
    if score:
        state["scores"][score] = value
        state["evidence"][f"score:{score}"] = Evidence(source="fhir", text=f"Observation {name}: {value:g} {unit or ''}")
        return True
    analyte = analyte_by_loinc(loinc)
    if analyte is None:
        return False
    if analyte in {"height", "weight"}:
        target = "cm" if analyte == "height" else "kg"
        try:
            state[analyte + "s"].append((when, convert(value, unit or target, target)))
        except UnitError:
            pass
        return True
    ref = (holder.get("referenceRange") or [{}])[0] if isinstance(holder.get("referenceRange"), list) else {}
    state["labs"].append(LabFact(
        analyte=analyte, value=value, unit=unit, date=when, name=name or analyte, interpretation=flag,  # type: ignore[arg-type]
        reference_low=(_quantity(ref.get("low")) or (None,))[0], reference_high=(_quantity(ref.get("high")) or (None,))[0],
        evidence=Evidence(source="fhir", text=f"Observation {name or loinc}: {value:g} {unit or ''}"
                                              f"{' on ' + when.isoformat() if when else ''}".strip())))
    return True


def _score_by_loinc(code: str) -> str | None:
    for sid, spec in score_table().items():
        if code in spec.get("loinc", []):
            return sid
    return None


def _medication(r: dict[str, Any], state: dict[str, Any]) -> None:
    status = (r.get("status") or "").lower()
    if status in {"entered-in-error"}:
        return
    concept_cc = r.get("medicationCodeableConcept") or (r.get("medication") or {}).get("concept")
    if concept_cc is None and isinstance(r.get("medicationReference"), dict):
        concept_cc = {"text": r["medicationReference"].get("display", "")}
    concept, name = _concept("medication", concept_cc)
    if not name and not concept:
        return
    period = r.get("effectivePeriod") or {}
    taken = status not in {"not-taken", "cancelled"}
    active = status in {"active", "intended", "on-hold", ""} if taken else False
    state["medications"].append(MedicationFact(
        name=name or concept or "medicine", concept=concept, present=taken, active=active,
        start=_day(period.get("start") or r.get("effectiveDateTime") or r.get("authoredOn")), end=_day(period.get("end")),
        evidence=Evidence(source="fhir", text=f"{r['resourceType']}: {name} ({status or 'no status'})")))


def _procedure(r: dict[str, Any], state: dict[str, Any]) -> None:
    if (r.get("status") or "") in {"entered-in-error", "not-done"}:
        return
    concept, name = _concept("procedure", r.get("code"))
    if not name and not concept:
        return
    when = _day(r.get("performedDateTime") or (r.get("performedPeriod") or {}).get("start"))
    state["procedures"].append(ProcedureFact(name=name or concept or "procedure", concept=concept, date=when,
                                             evidence=Evidence(source="fhir", text=f"Procedure: {name}")))


_READERS = {"Patient": _patient, "Condition": _condition, "Observation": _observation,
            "MedicationStatement": _medication, "MedicationRequest": _medication, "Procedure": _procedure}
