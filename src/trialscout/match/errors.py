"""Errors matching can raise. Each says what went wrong and what the person can do about it."""

from __future__ import annotations


class MatchError(Exception):
    """Base class of every matching error; ``message`` is fit to show a person."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UnreadableProfile(MatchError, ValueError):
    """The profile cannot be read (not JSON, not a FHIR Bundle, a field of the wrong kind)."""


class NothingToMatch(MatchError, ValueError):
    """The profile holds nothing to look for: no condition we recognise (and no note to read)."""


class SemanticUnavailable(MatchError):
    """Semantic retrieval was asked for, but the ``semantic`` extra or its vectors are missing."""


class IndexNotReady(MatchError):
    """The search index cannot be used yet (being rebuilt, or never built)."""
