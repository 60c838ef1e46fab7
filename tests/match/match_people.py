"""People the match tests look for trials for: FHIR bundles, forms and notes, built here."""

from __future__ import annotations

from datetime import date
from typing import Any


def birth_date_for(age: int, today: date | None = None) -> str:
    today = today or date.today()
    return date(today.year - age, 1, 1).isoformat() if (today.month, today.day) >= (1, 2) else \
        date(today.year - age - 1, 1, 1).isoformat()


def _condition(text: str, system: str, code: str) -> dict[str, Any]:
    return {"resource": {"resourceType": "Condition", "subject": {"reference": "Patient/p1"},
                         "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                                                        "code": "active"}]},
                         "code": {"text": text, "coding": [{"system": system, "code": code}]}}}


def observation(loinc: str, name: str, value: float, unit: str, when: str = "2025-05-01") -> dict[str, Any]:
    return {"resource": {"resourceType": "Observation", "status": "final", "subject": {"reference": "Patient/p1"},
                         "code": {"coding": [{"system": "http://loinc.org", "code": loinc, "display": name}]},
                         "effectiveDateTime": when,
                         "valueQuantity": {"value": value, "unit": unit, "system": "http://unitsofmeasure.org",
                                           "code": unit}}}


def aclf_bundle(city: str = "Guangzhou", country: str = "China") -> dict[str, Any]:
    """A 52-year-old man in Guangzhou: acute-on-chronic liver failure on chronic hepatitis B,
    bilirubin 210 µmol/L, INR 1.9."""
    return {"resourceType": "Bundle", "type": "collection", "entry": [
        {"resource": {"resourceType": "Patient", "id": "p1", "gender": "male", "birthDate": birth_date_for(52),
                      "address": [{"city": city, "country": country}]}},
        _condition("Acute-on-chronic liver failure", "http://snomed.info/sct", "1162823004"),
        _condition("Chronic hepatitis B", "http://hl7.org/fhir/sid/icd-10", "B18.1"),
        observation("1975-2", "Bilirubin total", 210, "umol/L"),
        observation("6301-6", "INR", 1.9, "{INR}"),
    ]}


def bundle_with_observations(count: int) -> dict[str, Any]:
    """The ACLF bundle with ``count`` more bilirubin and INR results, one a day going back."""
    bundle = aclf_bundle()
    for i in range(count):
        year, day = 2024 - (i // 365), 1 + (i % 28)
        code = ("1975-2", "Bilirubin total", 150 + i % 50, "umol/L") if i % 2 else ("6301-6", "INR", 1.5, "{INR}")
        bundle["entry"].append(observation(*code, when=f"{year}-{1 + (i // 28) % 12:02d}-{day:02d}"))
    return bundle


CHILD_WITH_SEPSIS = {"age": 9, "sex": "female", "conditions": ["sepsis"]}
FRENCH_NOTE = ("Patient de 52 ans, hospitalisé pour une insuffisance hépatique aiguë sur chronique compliquant une "
               "hépatite B chronique. Bilirubine totale élevée, taux de prothrombine bas, pas d'encéphalopathie.")
