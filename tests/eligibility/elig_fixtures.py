"""Fixtures for the eligibility tests: seed texts (copied from the page captures), data paths, FHIR bundles."""

import json
from functools import lru_cache
from typing import Any

from support import SHARED_DIR
from trialscout.eligibility import ParsedEligibility, parse_eligibility

# shared/seeds/002_*.txt (ClinConnect page of a liver-failure MSC trial): 8 inclusion, 6 exclusion items.
SEED_002 = """\
- Inclusion Criteria:
- • 1. Age range from 18 to 65 years old;
- • 2. Patients with acute liver failure in the early and intermediate stages caused by various reasons;
- • 3. Total bilirubin (TBil) ≥ 171μmol/L or an increase of ≥ 17.1μmol/L per day;
- • 4. Prothrombin activity (PTA) between 20% and 40% (or INR between 1.5 and 2.6);
- • 5. No hepatic encephalopathy or encephalopathy below grade II (including grade II);
- • 6. Elevated inflammatory markers (IL-6 / TNF-α / CRP, etc.);
- • 7. The subjects are able to communicate well with the researchers and can complete the study in accordance with the study regulations;
- • 8. The subjects must be informed of this study and voluntarily sign a written informed consent form before the experiment.
- Exclusion Criteria:
- • 1. Patients with severe active bleeding or diffuse intravascular coagulation;
- • 2. Patients with a high degree of allergy to blood products or drugs used during treatment, such as plasma, heparin, and protamine;
- • 3. Patients with circulatory failure;
- • 4. Patients with a MELD score \\> 30;
- • 5. Patients with other severe heart diseases, lung diseases, blood diseases, autoimmune diseases, or diabetes;
- • 6. Subjects who may be unable to complete this study for other reasons or who the researchers believe should not be included.
"""

# shared/seeds/003_*.txt (ClinicalTrials.Veeva page, UC-MSC for hepatitis B cirrhosis): 7 inclusion, 12 exclusion.
SEED_003 = """\
Inclusion criteria

  • Aged between 20 and 60 (male or female)
  • Diagnosed chronic decompensated hepatitis B cirrhosis with a course of more than 5 years
  • Not suitable for liver transplantation or there is no donor liver source
  • No serious bleeding tendency or active bleeding
  • No hepatic encephalopathy
  • After strict medical conservative treatment for more than 6 months, there was no relief of symptoms or significant improvement of quality of life score
  • Subjects voluntarily participate in this study and sign informed consent

Exclusion criteria

  • Be less than 20 years old or more than 60 years old
  • Cirrhosis caused by other causes such as alcoholic hepatitis, hepatitis C virus and autoimmune hepatitis
  • Found liver malignant tumor or the family history of liver malignant tumor in the third generation of their direct relatives
  • Patients with hypersplenism who need splenectomy
  • History of tumors in other organs
  • PT prolongation is greater than 3 seconds
  • Use of human serum albumin within 3 weeks prior to clinical registration
  • Clinically significant upper gastrointestinal bleeding events occurred within 4 weeks before clinical registration
  • Spontaneous peritonitis
  • Active infection (viral or bacterial)
  • Pregnant or lactating women
  • The researcher considers it inappropriate to participate in this study
"""

# shared/seeds/004_*.txt (sepsis trial): nested numbered sub-items under "Specific medical conditions:".
SEED_004 = """\
Inclusion criteria

  • Age: 0-65 years old, diagnosed with sepsis
  • Clinical diagnosis of sepsis (based on Sepsis 3.0 International Guidelines)
  • Confirmed or suspected infection

Exclusion criteria

  • Violation of medical ethics

  • Significant confounding factors likely to bias study outcomes

  • Poor adherence to the study protocol

  • Concurrent participation in other clinical trials

  • Specific medical conditions:

    1. History of chronic enteritis, neuropsychiatric disorders, or transplantation (bone marrow, lung, liver, pancreas, or small intestine)
    2. Severe primary diseases affecting survival (e.g., life-limiting hepatic, renal, or endocrine disorders) or psychiatric disorders
    3. History of hypersensitivity or severe adverse reactions to biological products
    4. Imminent terminal status (e.g., septic shock, life expectancy <7 days)
    5. Foreseeable risk of medical errors or disputes during hospitalization
    6. Active drug-resistant infections
    7. History of malignancy at screening
    8. Pregnancy, lactation, or plans for pregnancy within the next year
"""


SHARED = SHARED_DIR  # ../shared, or $TRIALSCOUT_SHARED (support.SHARED_DIR)
CTGOV = SHARED / "data" / "ctgov_api_v2"
TRIALGPT_DEV = SHARED / "data" / "trialgpt_criterion_annotations" / "dev.json"


@lru_cache(maxsize=1)
def demo_records() -> list[dict[str, Any]]:
    """The 806 real ClinicalTrials.gov API v2 records of the demo snapshot (empty if not present)."""
    records: list[dict[str, Any]] = []
    for path in sorted(CTGOV.glob("*/*.json")):
        records.extend(json.loads(path.read_text(encoding="utf-8")))
    return records


def parse_record(record: dict[str, Any]) -> ParsedEligibility:
    """A registry record's eligibility parsed as the derive step parses it (criteria text, ages, sex)."""
    module = record["protocolSection"].get("eligibilityModule", {})
    return parse_eligibility(module.get("eligibilityCriteria"), module.get("minimumAge"), module.get("maximumAge"),
                             module.get("sex"))


def observation(loinc: str, display: str, value: float, unit: str, ucum: str, day: str) -> dict[str, Any]:
    """A FHIR R4 Observation entry with a LOINC code and a UCUM quantity."""
    return {"resource": {
        "resourceType": "Observation", "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": loinc, "display": display}]},
        "valueQuantity": {"value": value, "unit": unit, "system": "http://unitsofmeasure.org", "code": ucum},
        "effectiveDateTime": day, "subject": {"reference": "Patient/p1"}}}


def aclf_bundle(extra_observations: int = 0) -> dict[str, Any]:
    """A 52-year-old man (on 2025-06-15) with acute-on-chronic liver failure on chronic hepatitis B."""
    active = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": "active"}]}
    entries = [
        {"resource": {"resourceType": "Patient", "id": "p1", "gender": "male", "birthDate": "1973-03-02"}},
        {"resource": {"resourceType": "Condition", "clinicalStatus": active,
                      "code": {"text": "Acute-on-chronic liver failure"}, "subject": {"reference": "Patient/p1"},
                      "onsetDateTime": "2025-05-20"}},
        {"resource": {"resourceType": "Condition", "clinicalStatus": active,
                      "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10", "code": "B18.1",
                                           "display": "Chronic viral hepatitis B without delta-agent"}]},
                      "subject": {"reference": "Patient/p1"}, "onsetDateTime": "2010-01-01"}},
        observation("1975-2", "Bilirubin.total", 210, "µmol/L", "umol/L", "2025-06-01"),
        observation("6301-6", "INR", 1.9, "{INR}", "{INR}", "2025-06-01"),
        observation("2160-0", "Creatinine", 88, "µmol/L", "umol/L", "2025-06-01"),
        {"resource": {"resourceType": "MedicationStatement", "status": "active",
                      "medicationCodeableConcept": {"text": "Entecavir 0.5 mg tablet"},
                      "subject": {"reference": "Patient/p1"}, "effectivePeriod": {"start": "2015-01-01"}}},
    ]
    for i in range(extra_observations):
        entries.append(observation("718-7", "Hemoglobin", 120 + i % 10, "g/L", "g/L",
                                   f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}"))
    return {"resourceType": "Bundle", "type": "collection", "entry": entries}
