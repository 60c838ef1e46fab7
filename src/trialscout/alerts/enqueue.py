"""The store's write hook: alerts are enqueued in the same transaction as the sync's changes.

For each changed trial that someone follows, every new version with a meaningful change becomes an
item for each active subscription (``source_key`` = ``change:NCT…:v3``, so a replayed batch adds
nothing). Each new trial becomes an event, matched to condition and search subscriptions once the
search index holds it (:mod:`trialscout.alerts.matching`). If the batch rolls back, so do these rows.
"""

from __future__ import annotations

from datetime import datetime

import orjson
import sqlalchemy as sa

from ..store import UpsertResult
from ..store.schema import alert_events, alert_items, alert_subscriptions, trial_versions, trials
from .changes import meaningful
from .db import chunks, insert_ignoring_duplicates
from .models import Kind, State


def enqueue_alerts(conn: sa.Connection, result: UpsertResult, now: datetime) -> None:
    """``TrialStore.write_hooks`` entry: items for changed trials, events for new ones."""
    if result.changed:
        enqueue_changes(conn, result.changed, now)
    if result.added:
        record_new_trials(conn, result.added, now)


def enqueue_changes(conn: sa.Connection, ids: list[str], now: datetime) -> int:
    subs = alert_subscriptions.c
    rows: list[dict] = []
    for part in chunks(ids):
        followers: dict[str, list[tuple[int, int]]] = {}
        for sub_id, subscriber_id, nct_id in conn.execute(
            sa.select(subs.id, subs.subscriber_id, subs.nct_id)
            .where(subs.nct_id.in_(list(part)), subs.kind == Kind.TRIAL.value, subs.state == State.ACTIVE.value)
        ):
            followers.setdefault(nct_id, []).append((sub_id, subscriber_id))
        if not followers:
            continue
        watched = list(followers)
        dates = dict(conn.execute(sa.select(trials.c.nct_id, trials.c.last_update_posted)
                                  .where(trials.c.nct_id.in_(watched))).all())
        versions = conn.execute(
            sa.select(trial_versions.c.nct_id, trial_versions.c.version, trial_versions.c.changes)
            .where(trial_versions.c.nct_id.in_(watched), trial_versions.c.recorded_at == now)
            .order_by(trial_versions.c.nct_id, trial_versions.c.version)
        )
        for nct_id, version, changes in versions:
            if not meaningful(orjson.loads(changes)):
                continue
            # The item points at the version (its diff is read when the mail is written), so a long
            # eligibility text is stored once, not once per subscriber.
            payload = orjson.dumps({"version": version, "date": dates.get(nct_id) or now.date().isoformat()}).decode()
            for sub_id, subscriber_id in followers[nct_id]:
                rows.append({"subscription_id": sub_id, "subscriber_id": subscriber_id, "nct_id": nct_id,
                             "kind": "change", "source_key": f"change:{nct_id}:v{version}", "payload": payload,
                             "created_at": now, "message_id": None})
    return insert_ignoring_duplicates(conn, alert_items, rows, ("subscription_id", "source_key"))


def record_new_trials(conn: sa.Connection, ids: list[str], now: datetime) -> int:
    """One event per new trial, only while someone follows a condition or a search."""
    subs = alert_subscriptions.c
    anyone = conn.execute(sa.select(subs.id).where(subs.kind != Kind.TRIAL.value,
                                                   subs.state == State.ACTIVE.value).limit(1)).first()
    if anyone is None:
        return 0
    rows = [{"nct_id": nct_id, "kind": "new", "recorded_at": now, "matched_at": None} for nct_id in ids]
    for part in chunks(rows):
        conn.execute(alert_events.insert(), list(part))
    return len(rows)
