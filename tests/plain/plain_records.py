"""Registry records for the plain-language tests: real API v2 shape, mapped by the real
``trial_from_ctgov``; each test changes only what it is about."""

from __future__ import annotations

import copy
from typing import Any

from trialscout.trial import Trial, trial_from_ctgov

BASE_RECORD: dict[str, Any] = {
    "protocolSection": {
        "identificationModule": {"nctId": "NCT09000001", "briefTitle": "Drug X for Type 2 Diabetes"},
        "statusModule": {"overallStatus": "RECRUITING"},
        "descriptionModule": {"briefSummary": "This study tests drug X in adults with type 2 diabetes."},
        "conditionsModule": {"conditions": ["Type 2 Diabetes"]},
        "designModule": {
            "studyType": "INTERVENTIONAL", "phases": ["PHASE2"],
            "designInfo": {"allocation": "RANDOMIZED", "interventionModel": "PARALLEL",
                           "primaryPurpose": "TREATMENT", "maskingInfo": {"masking": "DOUBLE"}},
            "enrollmentInfo": {"count": 120, "type": "ESTIMATED"},
        },
        "armsInterventionsModule": {
            "armGroups": [
                {"label": "Drug X", "type": "EXPERIMENTAL", "interventionNames": ["Drug: Drug X"]},
                {"label": "Placebo", "type": "PLACEBO_COMPARATOR", "interventionNames": ["Drug: Placebo"]},
            ],
            "interventions": [
                {"type": "DRUG", "name": "Drug X", "description": "10 mg tablet taken orally once a day",
                 "armGroupLabels": ["Drug X"]},
                {"type": "DRUG", "name": "Placebo", "armGroupLabels": ["Placebo"]},
            ],
        },
        "outcomesModule": {"primaryOutcomes": [{"measure": "Change in HbA1c", "timeFrame": "24 weeks"}]},
        "eligibilityModule": {
            "eligibilityCriteria": "Inclusion Criteria:\n\n* HbA1c between 7.0% and 10.5%\n\n"
                                   "Exclusion Criteria:\n\n* Severe kidney disease",
            "sex": "ALL", "minimumAge": "18 Years", "maximumAge": "75 Years", "healthyVolunteers": False,
        },
    },
    "hasResults": False,
}


def make_record(**sections: dict[str, Any]) -> dict[str, Any]:
    """The base record with whole modules replaced: ``make_record(designModule={...})``."""
    record = copy.deepcopy(BASE_RECORD)
    for name, module in sections.items():
        if module is None:
            record["protocolSection"].pop(name, None)
        else:
            record["protocolSection"][name] = module
    return record


def make_trial(**sections: dict[str, Any]) -> Trial:
    return trial_from_ctgov(make_record(**sections))
