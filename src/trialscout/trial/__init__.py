"""The one Trial model and its mapping from a ClinicalTrials.gov API v2 record."""

from .enums import ENUMS, OPEN_STATUSES, STATUSES
from .errors import InvalidRecord
from .mapping import MAX_TEXT_CHARS, record_id_of, trial_from_ctgov
from .models import (
    AgeLimit,
    Arm,
    Contact,
    DatePoint,
    Design,
    Eligibility,
    Enrollment,
    Intervention,
    MeshTerm,
    Outcome,
    Reference,
    Site,
    Trial,
)

__all__ = [
    "ENUMS", "OPEN_STATUSES", "STATUSES", "InvalidRecord", "MAX_TEXT_CHARS", "record_id_of",
    "trial_from_ctgov", "AgeLimit", "Arm", "Contact", "DatePoint", "Design", "Eligibility",
    "Enrollment", "Intervention", "MeshTerm", "Outcome", "Reference", "Site", "Trial",
]
