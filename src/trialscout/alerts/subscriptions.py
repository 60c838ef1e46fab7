"""Subscriptions: sign up (double opt-in), confirm, manage, stop, unsubscribe, purge.

An address is stored only while it has subscriptions: removing the last one, or unsubscribing,
deletes the address with everything queued for it. A sign-up never says whether the address was
already known (the page reads the same either way; only the mailbox learns).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime, timedelta

import orjson
import sqlalchemy as sa

from ..config import Settings
from ..store.schema import alert_subscribers, alert_subscriptions, trials
from . import messages, outbox
from .db import insert_ignoring_duplicates, utc
from .errors import InvalidInput, InvalidToken, UnknownTrial
from .links import Links
from .mail import trial_name
from .models import (
    Frequency, Kind, MessageKind, SavedQuery, State, SubscribeOutcome, Subscriber, Subscription, Target,
)
from .tokens import keyed_hash, new_key
from .validate import address_key

CONFIRM_DAYS = 7
MAX_TARGETS = 5
s_ = alert_subscribers.c
sub = alert_subscriptions.c


def describe_search(query: SavedQuery) -> str:
    """A saved search in words: ``"stem cells" near Guangzhou (phase: 2)``."""
    words = f"\u201c{query.q}\u201d" if query.q else "all trials"
    extras = dict(query.filters)
    near = extras.pop("near", ())
    if near:
        words += f" near {near[0]}" + (f" (within {extras.pop('within')[0]})" if extras.get("within") else "")
    extras.pop("within", None)
    if extras:
        words += " (" + "; ".join(f"{k.replace('_', ' ')}: {', '.join(v)}" for k, v in extras.items()) + ")"
    return words


def trial_target(conn: sa.Connection, nct_id: str) -> Target:
    title = conn.execute(sa.select(trials.c.title).where(trials.c.nct_id == nct_id)).scalar_one_or_none()
    if title is None:
        raise UnknownTrial(f"No trial {nct_id[:60]} in this copy of the registry.")
    return Target(Kind.TRIAL, nct_id=nct_id, label=f"changes to {trial_name(title, nct_id, 120)}")


def condition_target(condition: str) -> Target:
    return Target(Kind.CONDITION, query=SavedQuery(q=condition),
                  label=f"new trials for \u201c{condition}\u201d")


def search_target(query: SavedQuery) -> Target:
    if not query.q and not query.filters:
        raise InvalidInput("q", "Save a search with some words or filters, not an empty one.")
    return Target(Kind.SEARCH, query=query, label=f"new trials matching {describe_search(query)}")


def target_key(target: Target) -> str:
    if target.kind is Kind.TRIAL:
        basis = f"trial:{target.nct_id}"
    else:
        query = target.query or SavedQuery()
        canonical = {"q": " ".join(query.q.lower().split()),
                     **{k: sorted(v.lower() for v in vs) for k, vs in query.filters}}
        basis = f"{target.kind.value}:" + orjson.dumps(canonical, option=orjson.OPT_SORT_KEYS).decode()
    return hashlib.sha256(basis.encode()).hexdigest()


def _subscriber(conn: sa.Connection, secret: bytes, email: str, frequency: Frequency,
                now: datetime) -> tuple[int, str]:
    digest = keyed_hash(secret, "email", address_key(email))
    insert_ignoring_duplicates(conn, alert_subscribers, [{
        "key": new_key(), "email": email, "email_hash": digest, "frequency": frequency.value,
        "created_at": now, "last_digest_at": None}], ("email_hash",))
    row = conn.execute(sa.select(s_.id, s_.key).where(s_.email_hash == digest)).one()
    return row.id, row.key


def subscribe(conn: sa.Connection, settings: Settings, links: Links, email: str, targets: Sequence[Target],
              frequency: Frequency, now: datetime) -> SubscribeOutcome:
    """Record ``targets`` as waiting for confirmation and queue the confirmation e-mail."""
    if not targets:
        raise InvalidInput("what", "Choose what you want to hear about.")
    if len(targets) > MAX_TARGETS:
        raise InvalidInput("what", f"Choose at most {MAX_TARGETS} things at a time.")
    subscriber_id, subscriber_key = _subscriber(conn, links.secret, email, frequency, now)
    request_key = new_key()
    pending, active = [], []
    for target in targets:
        key = target_key(target)
        held = conn.execute(sa.select(sub.id, sub.state).where(sub.subscriber_id == subscriber_id,
                                                               sub.target_key == key)).first()
        if held is not None and held.state == State.ACTIVE.value:
            active.append(target.label)
            continue
        if held is not None:
            conn.execute(alert_subscriptions.update().where(sub.id == held.id)
                         .values(request_key=request_key, created_at=now))
        else:
            conn.execute(alert_subscriptions.insert().values(
                key=new_key(), request_key=request_key, subscriber_id=subscriber_id, kind=target.kind.value,
                nct_id=target.nct_id, query=orjson.dumps(target.query.to_dict()).decode() if target.query else None,
                target_key=key, label=target.label, state=State.PENDING.value, created_at=now, confirmed_at=None))
        pending.append(target.label)
    if pending:
        mail = messages.confirm_subscription(email, pending, links.confirm(request_key), CONFIRM_DAYS, links)
        outbox.enqueue(conn, mail, MessageKind.CONFIRM, f"confirm:{request_key}", settings, now, subscriber_id)
    else:
        mail = messages.already_subscribed(email, active, links.manage(subscriber_key), links)
        outbox.enqueue(conn, mail, MessageKind.NOTICE, f"notice:{request_key}", settings, now, subscriber_id)
    return SubscribeOutcome(pending=pending, already_active=active)


def confirm(conn: sa.Connection, request_key: str, now: datetime) -> tuple[str, list[str]]:
    """Start the subscriptions of one sign-up; returns the subscriber's key and what they now follow.

    Confirming twice is harmless (the second time changes nothing); an expired or unknown sign-up
    raises :class:`InvalidToken`.
    """
    rows = conn.execute(
        sa.select(sub.id, sub.state, sub.created_at, sub.label, s_.key)
        .join(alert_subscribers, s_.id == sub.subscriber_id).where(sub.request_key == request_key)
    ).all()
    live = [r for r in rows if r.state == State.ACTIVE.value or utc(r.created_at) > now - timedelta(days=CONFIRM_DAYS)]
    if not live:
        raise InvalidToken("This confirmation link has expired or was never valid. Sign up again from the "
                           "trial or search page; a new link will be sent.")
    waiting = [r.id for r in live if r.state == State.PENDING.value]
    if waiting:
        conn.execute(alert_subscriptions.update().where(sub.id.in_(waiting))
                     .values(state=State.ACTIVE.value, confirmed_at=now))
    return live[0].key, [r.label for r in live]


def subscriber_by_key(conn: sa.Connection, subscriber_key: str) -> Subscriber:
    row = conn.execute(sa.select(s_.id, s_.key, s_.email, s_.frequency).where(s_.key == subscriber_key)).first()
    if row is None:
        raise InvalidToken("These e-mail updates no longer exist: the address was unsubscribed, or never "
                           "confirmed. Sign up again from a trial or search page.")
    found = conn.execute(sa.select(alert_subscriptions).where(sub.subscriber_id == row.id)
                         .order_by(sub.created_at, sub.id)).all()
    return Subscriber(row.key, row.email, Frequency(row.frequency), [
        Subscription(r.key, Kind(r.kind), r.label, State(r.state), r.nct_id,
                     SavedQuery.from_dict(orjson.loads(r.query)) if r.query else None, utc(r.created_at),
                     utc(r.confirmed_at)) for r in found])


def set_frequency(conn: sa.Connection, subscriber_key: str, frequency: Frequency) -> None:
    if conn.execute(alert_subscribers.update().where(s_.key == subscriber_key)
                    .values(frequency=frequency.value)).rowcount != 1:
        raise InvalidToken()


def stop(conn: sa.Connection, subscription_key: str) -> str:
    """End one subscription (and forget the address if it was the last); returns what it was."""
    row = conn.execute(sa.select(sub.id, sub.subscriber_id, sub.label).where(sub.key == subscription_key)).first()
    if row is None:
        raise InvalidToken("You no longer get these updates (they were stopped already).")
    conn.execute(alert_subscriptions.delete().where(sub.id == row.id))
    _forget_if_empty(conn, [row.subscriber_id])
    return row.label


def unsubscribe(conn: sa.Connection, subscriber_key: str) -> int:
    """Delete the address with all its subscriptions and queued mail; returns how many subscriptions ended."""
    row = conn.execute(sa.select(s_.id).where(s_.key == subscriber_key)).first()
    if row is None:
        return 0  # already gone: unsubscribing twice is not an error
    count = conn.execute(sa.select(sa.func.count()).select_from(alert_subscriptions)
                         .where(sub.subscriber_id == row.id)).scalar_one()
    conn.execute(alert_subscribers.delete().where(s_.id == row.id))
    return count


def _forget_if_empty(conn: sa.Connection, subscriber_ids: list[int]) -> int:
    if not subscriber_ids:
        return 0
    empty = sa.select(s_.id).where(s_.id.in_(subscriber_ids), ~sa.exists().where(sub.subscriber_id == s_.id))
    ids = list(conn.execute(empty).scalars())
    if ids:
        conn.execute(alert_subscribers.delete().where(s_.id.in_(ids)))
    return len(ids)


def purge_unconfirmed(conn: sa.Connection, now: datetime) -> int:
    """Delete sign-ups never confirmed within :data:`CONFIRM_DAYS`, and addresses left with nothing."""
    cutoff = now - timedelta(days=CONFIRM_DAYS)
    owners = list(conn.execute(sa.select(sub.subscriber_id).where(
        sub.state == State.PENDING.value, sub.created_at < cutoff)).scalars())
    conn.execute(alert_subscriptions.delete().where(sub.state == State.PENDING.value, sub.created_at < cutoff))
    return _forget_if_empty(conn, list(set(owners)))
