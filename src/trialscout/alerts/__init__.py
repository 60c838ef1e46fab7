"""Staying informed: e-mail subscriptions (double opt-in, one-click unsubscribe), change alerts
through a transactional outbox, Atom feeds, and "I'm interested" requests to a trial's contact.

Modules: ``models``, ``errors``, ``tokens`` (secret, link tokens, keyed hashes), ``validate``,
``limits`` (abuse limits), ``subscriptions``, ``changes`` (what is worth a mail, in words),
``enqueue`` (the store's write hook), ``matching`` (new trials against saved searches), ``compose``
(items into messages), ``messages`` (the words), ``mail`` (MIME and SMTP), ``outbox`` (send once),
``feeds`` (Atom), ``interest``, ``service`` (:class:`Alerts`, what the web and the CLI call).
"""

from .errors import (
    AlertsError, DeliveryError, InvalidInput, InvalidToken, MailNotConfigured, NoContact, TooManyRequests,
    UnknownTrial,
)
from .enqueue import enqueue_alerts
from .matching import RecordMatcher, SearchMatcher, TrialMatcher
from .models import Frequency, InterestForm, Kind, NotifySummary, SavedQuery, Target
from .service import Alerts, install

__all__ = [
    "AlertsError", "DeliveryError", "InvalidInput", "InvalidToken", "MailNotConfigured", "NoContact",
    "TooManyRequests", "UnknownTrial", "enqueue_alerts", "RecordMatcher", "SearchMatcher", "TrialMatcher",
    "Frequency", "InterestForm", "Kind", "NotifySummary", "SavedQuery", "Target", "Alerts", "install",
]
