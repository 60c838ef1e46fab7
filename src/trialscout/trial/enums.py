"""The registry's (API v2) enumerated values, as data.

A value outside these sets means the record is not what we think it is: the mapping
reports it rather than guessing. Words for people live in ``plain/labels.json``.
"""

from __future__ import annotations

STATUSES = frozenset({
    "ACTIVE_NOT_RECRUITING", "COMPLETED", "ENROLLING_BY_INVITATION", "NOT_YET_RECRUITING",
    "RECRUITING", "SUSPENDED", "TERMINATED", "WITHDRAWN", "AVAILABLE", "NO_LONGER_AVAILABLE",
    "TEMPORARILY_NOT_AVAILABLE", "APPROVED_FOR_MARKETING", "WITHHELD", "UNKNOWN",
})

#: Statuses in which a person can still join (the default search filter).
OPEN_STATUSES = frozenset({"RECRUITING", "NOT_YET_RECRUITING", "ENROLLING_BY_INVITATION"})

ENUMS: dict[str, frozenset[str]] = {
    "status": STATUSES,
    "phase": frozenset({"NA", "EARLY_PHASE1", "PHASE1", "PHASE2", "PHASE3", "PHASE4"}),
    "studyType": frozenset({"INTERVENTIONAL", "OBSERVATIONAL", "EXPANDED_ACCESS"}),
    "dateType": frozenset({"ACTUAL", "ESTIMATED"}),
    "agencyClass": frozenset({"NIH", "FED", "OTHER_GOV", "INDIV", "INDUSTRY", "NETWORK", "AMBIG", "OTHER", "UNKNOWN"}),
    "primaryPurpose": frozenset({
        "TREATMENT", "PREVENTION", "DIAGNOSTIC", "ECT", "SUPPORTIVE_CARE", "SCREENING",
        "HEALTH_SERVICES_RESEARCH", "BASIC_SCIENCE", "DEVICE_FEASIBILITY", "OTHER",
    }),
    "allocation": frozenset({"RANDOMIZED", "NON_RANDOMIZED", "NA"}),
    "interventionModel": frozenset({"SINGLE_GROUP", "PARALLEL", "CROSSOVER", "FACTORIAL", "SEQUENTIAL"}),
    "masking": frozenset({"NONE", "SINGLE", "DOUBLE", "TRIPLE", "QUADRUPLE"}),
    "interventionType": frozenset({
        "BEHAVIORAL", "BIOLOGICAL", "COMBINATION_PRODUCT", "DEVICE", "DIAGNOSTIC_TEST",
        "DIETARY_SUPPLEMENT", "DRUG", "GENETIC", "PROCEDURE", "RADIATION", "OTHER",
    }),
    "armGroupType": frozenset({
        "EXPERIMENTAL", "ACTIVE_COMPARATOR", "PLACEBO_COMPARATOR", "SHAM_COMPARATOR",
        "NO_INTERVENTION", "OTHER",
    }),
    "sex": frozenset({"ALL", "FEMALE", "MALE"}),
}
