"""Eligibility engine: free-text criteria -> rules -> explained verdicts.

Pure functions, no I/O beyond reading the packaged rules in ``rules/``::

    parsed = parse_eligibility(text, minimum_age="18 Years", maximum_age="65 Years", sex="ALL")
    stored = parsed.to_json()                      # keep beside the trial record
    questions = questions_for(parsed)              # what a form needs to ask
    profile = profile_from_form({...}) | profile_from_fhir(bundle) | profile_from_note(text)
    result = evaluate(parsed, profile)             # per-criterion verdicts, reasons, evidence

Errors a caller can cause are ``EligibilityError`` subclasses (``CriteriaError``,
``ProfileError``, ``UnitError``, ``RulesError``) with a message saying what to do.
"""

from .constraints import (
    AgeConstraint, ComplianceItem, ConditionConstraint, ConsentItem, Constraint, LabConstraint,
    MedicationConstraint, NeedsReview, ParsedCriterion, ParsedEligibility, PregnancyConstraint,
    ProcedureConstraint, ScoreConstraint, SexConstraint, TimeWindow,
)
from .criteria import Criterion, split_criteria
from .errors import CriteriaError, EligibilityError, ProfileError, RulesError, UnitError
from .evaluate import CriterionResult, EligibilityResult, evaluate
from .labs import convert, normalize_unit
from .parse import parse_criteria, parse_criterion, parse_eligibility
from .prepared import PreparedProfile, prepare_profile
from .profile import (
    ConditionFact, Evidence, LabFact, MedicationFact, ProcedureFact, Profile, ProfileFlag, profile_from_fhir,
    profile_from_form, profile_from_note,
)
from .questions import Question, questions_for
from .scores import bmi, egfr_ckd_epi_2021, meld

__all__ = [
    "AgeConstraint", "ComplianceItem", "ConditionConstraint", "ConditionFact", "ConsentItem", "Constraint",
    "CriteriaError", "Criterion", "CriterionResult", "EligibilityError", "EligibilityResult", "Evidence",
    "LabConstraint", "LabFact", "MedicationConstraint", "MedicationFact", "NeedsReview", "ParsedCriterion",
    "ParsedEligibility", "PregnancyConstraint", "PreparedProfile", "ProcedureConstraint", "ProcedureFact",
    "Profile", "ProfileError", "ProfileFlag", "Question", "RulesError", "ScoreConstraint", "SexConstraint",
    "TimeWindow", "UnitError", "bmi", "convert", "egfr_ckd_epi_2021", "evaluate", "meld", "normalize_unit",
    "parse_criteria", "parse_criterion", "parse_eligibility", "prepare_profile", "profile_from_fhir",
    "profile_from_form", "profile_from_note", "questions_for", "split_criteria",
]
