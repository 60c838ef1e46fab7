"""Errors alerts can raise. Each message says what went wrong and what the person can do."""

from __future__ import annotations


class AlertsError(Exception):
    """Base class of every alerts error."""


class InvalidInput(AlertsError, ValueError):
    """A form field cannot be used as given; ``field`` names it (for the form to show the message there)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class TooManyRequests(AlertsError):
    """An abuse limit was reached (per address or per network address)."""

    def __init__(self, message: str, retry_after_seconds: int) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after_seconds = retry_after_seconds


class InvalidToken(AlertsError):
    """A link's token is malformed, forged, expired or already used up."""

    def __init__(self, message: str = "This link is not valid any more. It may have expired, been used up, or "
                                      "been copied incompletely from the e-mail.") -> None:
        super().__init__(message)
        self.message = message


class NoContact(AlertsError):
    """The trial lists no e-mail contact to send an "I'm interested" request to."""


class UnknownTrial(AlertsError):
    """No trial with that id in this copy of the registry."""


class MailNotConfigured(AlertsError):
    """No SMTP server is configured, so nothing can be sent."""

    def __init__(self) -> None:
        super().__init__("No SMTP server is configured: set TRIALSCOUT_SMTP_HOST (and TRIALSCOUT_SMTP_PORT, "
                         "TRIALSCOUT_SMTP_USER, TRIALSCOUT_SMTP_PASSWORD) or smtp_host in config.toml. "
                         "Messages stay in the outbox until then.")


class DeliveryError(AlertsError):
    """The mail server refused or could not take a message. ``permanent``: retrying cannot help;
    ``connection``: the server could not be reached at all (so the other messages wait too)."""

    def __init__(self, message: str, permanent: bool, connection: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.connection = connection
