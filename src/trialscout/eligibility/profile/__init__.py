"""A person's profile for eligibility checks, from a form, a FHIR bundle or a clinical note."""

from .fhir import profile_from_fhir
from .form import apply_answers, profile_from_form
from .models import (
    ConditionFact, Evidence, LabFact, MedicationFact, ProcedureFact, Profile, ProfileFlag, check_consistency,
)
from .note import profile_from_note

__all__ = [
    "ConditionFact", "Evidence", "LabFact", "MedicationFact", "ProcedureFact", "Profile", "ProfileFlag",
    "apply_answers", "check_consistency", "profile_from_fhir", "profile_from_form", "profile_from_note",
]
