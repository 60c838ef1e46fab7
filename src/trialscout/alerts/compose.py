"""Pending items become messages: one e-mail per subscriber, now (immediate) or once a day (daily).

A subscriber's items are put into one message in one transaction that first takes a write lock on
the subscriber's row, so two composers running at once never put the same item in two messages.
The message's idempotency key is made from its items, so composing again after a crash writes nothing new.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta

import orjson
import sqlalchemy as sa

from ..config import Settings
from ..plain.labels import label
from ..store import StoredTrial, TrialStore
from ..store.schema import alert_items, alert_messages, alert_subscribers, alert_subscriptions, trial_versions
from . import messages, outbox
from .changes import meaningful, phrase_all, site_places
from .db import utc
from .links import Links
from .mail import trial_name
from .models import Frequency, Kind, MessageKind

DIGEST_EVERY = timedelta(days=1)
it = alert_items.c
sr = alert_subscribers.c


def _due_subscribers(conn: sa.Connection, now: datetime) -> list[int]:
    rows = conn.execute(
        sa.select(sr.id, sr.frequency, sr.last_digest_at)
        .where(sr.id.in_(sa.select(it.subscriber_id).where(it.message_id.is_(None)).distinct()))
        .order_by(sr.id)
    ).all()
    return [r.id for r in rows if r.frequency != Frequency.DAILY.value or r.last_digest_at is None
            or utc(r.last_digest_at) + DIGEST_EVERY <= now]


def compose_due(store: TrialStore, settings: Settings, links: Links, now: datetime) -> int:
    """Compose a message for every subscriber with items due; returns how many messages were written."""
    with store.engine.connect() as conn:
        due = _due_subscribers(conn, now)
    return sum(_compose_one(store, settings, links, subscriber, now) for subscriber in due)


def _compose_one(store: TrialStore, settings: Settings, links: Links, subscriber_id: int, now: datetime) -> int:
    with store.engine.begin() as conn:
        # Take the subscriber's row first: a second composer waits here, then finds no pending items.
        if conn.execute(alert_subscribers.update().where(sr.id == subscriber_id)
                        .values(last_digest_at=sr.last_digest_at)).rowcount != 1:
            return 0
        person = conn.execute(sa.select(sr.key, sr.email, sr.frequency).where(sr.id == subscriber_id)).one()
        items = conn.execute(sa.select(alert_items).where(it.subscriber_id == subscriber_id, it.message_id.is_(None))
                             .order_by(it.id)).all()
        if not items:
            return 0
        subs = {r.id: r for r in conn.execute(sa.select(alert_subscriptions).where(
            alert_subscriptions.c.id.in_({i.subscription_id for i in items})))}
        trials = {s.trial.nct_id: s for s in store.iter_trials(sorted({i.nct_id for i in items}))}
        diffs = _diffs(conn, items)
        sections, subject = _sections(items, subs, trials, diffs, links)
        key = hashlib.sha256(("alert:" + ",".join(str(i.id) for i in items)).encode()).hexdigest()
        daily = person.frequency == Frequency.DAILY.value
        mail = messages.alert(person.email, sections, links.manage(person.key), links.unsubscribe(person.key),
                              daily, subject)
        outbox.enqueue(conn, mail, MessageKind.ALERT, key, settings, now, subscriber_id)
        message = conn.execute(sa.select(alert_messages.c.id).where(alert_messages.c.idempotency_key == key)).scalar_one()
        conn.execute(alert_items.update().where(it.id.in_([i.id for i in items])).values(message_id=message))
        conn.execute(alert_subscribers.update().where(sr.id == subscriber_id).values(last_digest_at=now))
    return 1


def _name(stored: StoredTrial | None, nct_id: str) -> str:
    return trial_name(stored.trial.title if stored else None, nct_id)


def _diffs(conn: sa.Connection, items: Sequence) -> dict[tuple[str, int], list[dict]]:
    """The meaningful changes of each version the change items point at."""
    wanted = {(i.nct_id, orjson.loads(i.payload)["version"]) for i in items if i.kind == "change"}
    found: dict[tuple[str, int], list[dict]] = {}
    for nct_id in {n for n, _ in wanted}:
        versions = [v for n, v in wanted if n == nct_id]
        for version, changes in conn.execute(
                sa.select(trial_versions.c.version, trial_versions.c.changes)
                .where(trial_versions.c.nct_id == nct_id, trial_versions.c.version.in_(versions))):
            found[(nct_id, version)] = meaningful(orjson.loads(changes))
    return found


def _sections(items: Sequence, subs: dict, trials: dict[str, StoredTrial], diffs: dict[tuple[str, int], list[dict]],
              links: Links) -> tuple[list[messages.AlertSection], str]:
    by_sub: dict[int, list] = defaultdict(list)
    for item in items:
        by_sub[item.subscription_id].append(item)
    sections: list[messages.AlertSection] = []
    for sub_id, group in by_sub.items():
        sub = subs[sub_id]
        if sub.kind == Kind.TRIAL.value:
            nct_id = sub.nct_id
            stored = trials.get(nct_id)
            places = site_places([stored.trial]) if stored else {}
            lines = []
            for item in group:
                payload = orjson.loads(item.payload)
                lines += phrase_all(diffs.get((nct_id, payload["version"]), []), payload.get("date"), places)
            sections.append(messages.AlertSection(
                heading=_name(stored, nct_id), lines=lines, stop_url=links.stop(sub.key),
                stop_label="Stop updates about this trial", links=[f"See the trial: {links.trial(nct_id)}"]))
        else:
            lines = []
            for item in group:
                stored = trials.get(item.nct_id)
                status = label("status", stored.trial.overall_status) if stored else None
                lines.append(_name(stored, item.nct_id)
                             + (f", {status.label.lower()}" if status else "") + f": {links.trial(item.nct_id)}")
            heading = sub.label[0].upper() + sub.label[1:] + ":"
            sections.append(messages.AlertSection(heading=heading, lines=lines, stop_url=links.stop(sub.key),
                                                  stop_label="Stop these updates"))
    if len(sections) == 1 and subs[next(iter(by_sub))].kind == Kind.TRIAL.value:
        subject = f"Update: {sections[0].heading}"
    elif len(sections) == 1:
        count = len(sections[0].lines)
        subject = f"{count} new trial{'s' if count != 1 else ''}: {sections[0].heading.rstrip(':')}"
    else:
        subject = f"{len(items)} updates about trials you follow"
    return sections, subject
