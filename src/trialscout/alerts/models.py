"""What alerts work with: subscriptions, saved searches, outbox messages, interest requests."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class Kind(StrEnum):
    """What a subscription follows."""

    TRIAL = "trial"  # one trial's changes
    CONDITION = "condition"  # new trials for a condition
    SEARCH = "search"  # new trials matching a saved search


class Frequency(StrEnum):
    IMMEDIATE = "immediate"
    DAILY = "daily"


class State(StrEnum):
    PENDING = "pending"  # waiting for the address to confirm
    ACTIVE = "active"


class MessageStatus(StrEnum):
    PENDING = "pending"  # due at ``next_attempt_at``
    SENDING = "sending"  # claimed by a sender until ``lease_until``
    SENT = "sent"
    FAILED = "failed"  # refused for good, or out of attempts


class MessageKind(StrEnum):
    CONFIRM = "confirm"  # confirm a subscription
    NOTICE = "notice"  # "you already get these updates"
    ALERT = "alert"  # changes and new trials
    INTEREST_CONFIRM = "interest-confirm"  # confirm an "I'm interested" request
    INTEREST = "interest"  # the request, to the trial's contact


#: Saved-search parameters kept with a subscription (the same names as the search page's).
SEARCH_PARAMETERS = ("q", "near", "within", "status", "phase", "study_type", "country", "condition",
                     "intervention_type", "sex", "age")


@dataclass(frozen=True)
class SavedQuery:
    """A search as saved with a subscription: free text and filters, as the search page takes them."""

    q: str = ""
    filters: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def filter(self, name: str) -> tuple[str, ...]:
        return dict(self.filters).get(name, ())

    def to_dict(self) -> dict[str, Any]:
        return {"q": self.q, **{k: list(v) for k, v in self.filters}}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "SavedQuery":
        filters = []
        for name in SEARCH_PARAMETERS[1:]:
            values = data.get(name) or ()
            values = (values,) if isinstance(values, str) else tuple(str(v) for v in values)
            values = tuple(v.strip() for v in values if v and v.strip())
            if values:
                filters.append((name, values))
        q = data.get("q") or ""
        q = " ".join(str(v) for v in q) if isinstance(q, (list, tuple)) else str(q)
        return cls(q=" ".join(q.split()), filters=tuple(filters))


@dataclass(frozen=True)
class Target:
    """What a new subscription follows: a trial id, a condition, or a saved search."""

    kind: Kind
    nct_id: str | None = None
    query: SavedQuery | None = None
    label: str = ""


@dataclass(frozen=True)
class Subscription:
    key: str
    kind: Kind
    label: str
    state: State
    nct_id: str | None
    query: SavedQuery | None
    created_at: datetime
    confirmed_at: datetime | None


@dataclass(frozen=True)
class Subscriber:
    key: str
    email: str
    frequency: Frequency
    subscriptions: list[Subscription] = field(default_factory=list)


@dataclass(frozen=True)
class SubscribeOutcome:
    """What a sign-up did: the subscriptions waiting for confirmation, those already active."""

    pending: list[str]
    already_active: list[str]


@dataclass(frozen=True)
class InterestForm:
    """An "I'm interested" request as the person filled it in."""

    nct_id: str
    name: str
    email: str
    phone: str = ""
    message: str = ""
    consent: bool = False


@dataclass(frozen=True)
class InterestRequest:
    key: str
    nct_id: str
    trial_title: str
    recipient_label: str
    name: str
    email: str
    phone: str | None
    message: str | None
    state: str
    created_at: datetime


@dataclass(frozen=True)
class TrialContact:
    """Who receives "I'm interested" requests for a trial (its central contact with an e-mail address)."""

    name: str
    email: str

    @property
    def label(self) -> str:
        return f"{self.name} ({self.email})" if self.name else self.email


@dataclass
class NotifySummary:
    """What one ``notify`` run did."""

    matched: int = 0
    composed: int = 0
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    waiting: int = 0
    purged: dict[str, int] = field(default_factory=dict)
    mail: str = "configured"

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)
