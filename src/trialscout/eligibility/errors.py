"""Named errors of the eligibility engine.

Every error a caller can cause has its own class and a message that says what
to do about it. Nothing here is raised for ordinary "we could not understand
this criterion" cases: those become ``NeedsReview`` items, never exceptions.
"""

from __future__ import annotations


class EligibilityError(Exception):
    """Base class of every error raised by ``trialscout.eligibility``."""


class RulesError(EligibilityError):
    """A rules data file under ``eligibility/rules/`` is missing or malformed."""


class CriteriaError(EligibilityError):
    """Eligibility text or a stored parse cannot be used (wrong type, bad JSON)."""


class ProfileError(EligibilityError):
    """A person's profile cannot be built from the given input.

    The message names the field or resource at fault and what to send instead.
    """


class UnitError(EligibilityError):
    """A value cannot be converted between two units.

    Evaluation never lets this escape: a value it cannot convert makes the
    criterion "unknown". Callers of ``labs.convert`` see it directly.
    """


class AnnotationsError(EligibilityError):
    """A file of expert criterion labels (TrialGPT's format) cannot be read; the message says where."""
