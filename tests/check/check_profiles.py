"""Profiles used across the check tests: a FHIR bundle, a note, form data."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any


def birth_date_for(age_years: float, today: date | None = None) -> str:
    today = today or date.today()
    return (today - timedelta(days=round(age_years * 365.25))).isoformat()


def observation(loinc: str, display: str, value: float, unit: str, ucum: str, when: str = "2025-05-01") -> dict[str, Any]:
    return {"resource": {
        "resourceType": "Observation", "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": loinc, "display": display}]},
        "effectiveDateTime": when,
        "valueQuantity": {"value": value, "unit": unit, "system": "http://unitsofmeasure.org", "code": ucum}}}


def condition(text: str, icd10: str) -> dict[str, Any]:
    return {"resource": {
        "resourceType": "Condition",
        "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                                       "code": "active"}]},
        "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10", "code": icd10}], "text": text},
        "subject": {"reference": "Patient/p1"}}}


def aclf_bundle() -> dict[str, Any]:
    """A 52-year-old man with acute-on-chronic liver failure on chronic hepatitis B (bilirubin 210 µmol/L, INR 1.9)."""
    return {"resourceType": "Bundle", "type": "collection", "entry": [
        {"resource": {"resourceType": "Patient", "id": "p1", "gender": "male", "birthDate": birth_date_for(52.4)}},
        condition("Acute-on-chronic liver failure", "K72.0"),
        condition("Chronic hepatitis B", "B18.1"),
        observation("1975-2", "Bilirubin.total [Moles/volume] in Serum or Plasma", 210, "µmol/L", "umol/L"),
        observation("6301-6", "INR in Platelet poor plasma by Coagulation assay", 1.9, "{INR}", "{INR}"),
    ]}


def huge_bundle(n: int = 10_000) -> dict[str, Any]:
    """A bundle of ``n`` bilirubin observations (a long hospital stay)."""
    return {"resourceType": "Bundle", "type": "collection", "entry": [
        {"resource": {"resourceType": "Patient", "id": "p1", "gender": "male", "birthDate": birth_date_for(52.4)}},
        *[observation("1975-2", "Bilirubin total", 150 + i % 90, "µmol/L", "umol/L",
                      when=f"20{10 + i // 1000:02d}-{1 + i % 12:02d}-{1 + i % 28:02d}") for i in range(n)]]}


ACLF_NOTE = ("52-year-old man with acute-on-chronic liver failure due to chronic hepatitis B. "
             "Total bilirubin 210 umol/L, INR 1.9. No hepatic encephalopathy.")


def criterion(report: dict[str, Any], words: str) -> dict[str, Any]:
    """The criterion of a JSON report whose text contains ``words``."""
    return next(c for c in report["criteria"] if words.lower() in c["text"].lower())
