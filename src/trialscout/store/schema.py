"""Tables of the store (SQLAlchemy Core). Alembic migrations create them; keep both in step."""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

#: One row per trial: its current record and when trialscout first saw it and last saw it change.
trials = sa.Table(
    "trials",
    metadata,
    sa.Column("nct_id", sa.String(48), primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("content_hash", sa.String(64), nullable=False),
    sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
    sa.Column("last_changed", sa.DateTime(timezone=True), nullable=False),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("overall_status", sa.String(40)),
    sa.Column("last_update_posted", sa.String(10)),
    sa.Column("source_format", sa.String(40), nullable=False),
    sa.Column("record", sa.Text, nullable=False),
)

#: Every real change of a trial: what changed from the version before, and the record as it was
#: then (NULL for the current version, whose record is ``trials.record``: stored once, not twice).
trial_versions = sa.Table(
    "trial_versions",
    metadata,
    sa.Column("nct_id", sa.String(48), sa.ForeignKey("trials.nct_id", ondelete="CASCADE"), primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("content_hash", sa.String(64), nullable=False),
    sa.Column("changes", sa.Text, nullable=False),
    sa.Column("record", sa.Text),
)

sa.Index("ix_trials_status", trials.c.overall_status)
sa.Index("ix_trials_last_changed", trials.c.last_changed)
sa.Index("ix_trial_versions_recorded_at", trial_versions.c.recorded_at)

#: Data derived from a trial's current record (plain-language text, parsed criteria, ...),
#: one row per trial and kind, tagged with the record hash it was derived from.
derived = sa.Table(
    "derived",
    metadata,
    sa.Column("nct_id", sa.String(48), sa.ForeignKey("trials.nct_id", ondelete="CASCADE"), primary_key=True),
    sa.Column("kind", sa.String(40), primary_key=True),
    sa.Column("source_hash", sa.String(64), nullable=False),
    sa.Column("payload", sa.Text, nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)

# --- alerts: subscriptions, what is waiting to be sent, the outbox, "I'm interested" requests ----------
# Written by trialscout.alerts (migration 0003). Addresses live only in alert_subscribers.email,
# alert_messages.recipient (until sent) and alert_interest (until the retention period ends).

#: A person who asked for e-mail: the address, hashed for lookups, and how often they want mail.
alert_subscribers = sa.Table(
    "alert_subscribers",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("key", sa.String(32), nullable=False),
    sa.Column("email", sa.String(254), nullable=False),
    sa.Column("email_hash", sa.String(64), nullable=False),
    sa.Column("frequency", sa.String(10), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("last_digest_at", sa.DateTime(timezone=True)),
)
sa.Index("ux_alert_subscribers_key", alert_subscribers.c.key, unique=True)
sa.Index("ux_alert_subscribers_email_hash", alert_subscribers.c.email_hash, unique=True)

#: One thing a subscriber follows: a trial (its changes), a condition or a saved search (new trials).
alert_subscriptions = sa.Table(
    "alert_subscriptions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("key", sa.String(32), nullable=False),
    sa.Column("request_key", sa.String(32), nullable=False),
    sa.Column("subscriber_id", sa.Integer, sa.ForeignKey("alert_subscribers.id", ondelete="CASCADE"),
              nullable=False),
    sa.Column("kind", sa.String(12), nullable=False),
    sa.Column("nct_id", sa.String(48)),
    sa.Column("query", sa.Text),
    sa.Column("target_key", sa.String(64), nullable=False),
    sa.Column("label", sa.Text, nullable=False),
    sa.Column("state", sa.String(10), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("confirmed_at", sa.DateTime(timezone=True)),
)
sa.Index("ux_alert_subscriptions_key", alert_subscriptions.c.key, unique=True)
sa.Index("ux_alert_subscriptions_target", alert_subscriptions.c.subscriber_id, alert_subscriptions.c.target_key,
         unique=True)
sa.Index("ix_alert_subscriptions_request", alert_subscriptions.c.request_key)
sa.Index("ix_alert_subscriptions_trial", alert_subscriptions.c.nct_id, alert_subscriptions.c.state)
sa.Index("ix_alert_subscriptions_kind", alert_subscriptions.c.kind, alert_subscriptions.c.state)

#: A trial that appeared, written with the sync's changes; matched to condition and search
#: subscriptions once the search index holds it (``matched_at`` set then).
alert_events = sa.Table(
    "alert_events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("nct_id", sa.String(48), nullable=False),
    sa.Column("kind", sa.String(12), nullable=False),
    sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("matched_at", sa.DateTime(timezone=True)),
)
sa.Index("ix_alert_events_matched_at", alert_events.c.matched_at)

#: The outbox: one e-mail, rendered once (so a retry sends the same bytes and Message-ID), then sent.
alert_messages = sa.Table(
    "alert_messages",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("idempotency_key", sa.String(64), nullable=False),
    sa.Column("message_id", sa.String(200), nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("subscriber_id", sa.Integer, sa.ForeignKey("alert_subscribers.id", ondelete="CASCADE")),
    sa.Column("recipient", sa.String(254)),
    sa.Column("body", sa.LargeBinary),
    sa.Column("status", sa.String(10), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("lease_until", sa.DateTime(timezone=True)),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("sent_at", sa.DateTime(timezone=True)),
    sa.Column("last_error", sa.String(200)),
)
sa.Index("ux_alert_messages_idempotency_key", alert_messages.c.idempotency_key, unique=True)
sa.Index("ux_alert_messages_message_id", alert_messages.c.message_id, unique=True)
sa.Index("ix_alert_messages_due", alert_messages.c.status, alert_messages.c.next_attempt_at)
sa.Index("ix_alert_messages_subscriber", alert_messages.c.subscriber_id)

#: Something one subscription should hear about (a trial's version, a new trial), until it is put
#: into a message (``message_id``).
alert_items = sa.Table(
    "alert_items",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("subscription_id", sa.Integer, sa.ForeignKey("alert_subscriptions.id", ondelete="CASCADE"),
              nullable=False),
    sa.Column("subscriber_id", sa.Integer, sa.ForeignKey("alert_subscribers.id", ondelete="CASCADE"),
              nullable=False),
    sa.Column("nct_id", sa.String(48), nullable=False),
    sa.Column("kind", sa.String(12), nullable=False),
    sa.Column("source_key", sa.String(80), nullable=False),
    sa.Column("payload", sa.Text, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("message_id", sa.Integer, sa.ForeignKey("alert_messages.id", ondelete="CASCADE")),
)
sa.Index("ux_alert_items_source", alert_items.c.subscription_id, alert_items.c.source_key, unique=True)
sa.Index("ix_alert_items_pending", alert_items.c.subscriber_id, alert_items.c.message_id)

#: An "I'm interested" request: held until the person confirms their address, then sent to the
#: trial's contact; deleted after ``interest_retention_days``.
alert_interest = sa.Table(
    "alert_interest",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("key", sa.String(32), nullable=False),
    sa.Column("nct_id", sa.String(48), nullable=False),
    sa.Column("recipient", sa.String(254), nullable=False),
    sa.Column("recipient_label", sa.Text, nullable=False),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("email", sa.String(254), nullable=False),
    sa.Column("email_hash", sa.String(64), nullable=False),
    sa.Column("phone", sa.String(40)),
    sa.Column("message", sa.Text),
    sa.Column("state", sa.String(10), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("confirmed_at", sa.DateTime(timezone=True)),
)
sa.Index("ux_alert_interest_key", alert_interest.c.key, unique=True)
sa.Index("ix_alert_interest_created_at", alert_interest.c.created_at)
sa.Index("ix_alert_interest_sender", alert_interest.c.email_hash, alert_interest.c.nct_id)

#: How many confirmed "I'm interested" requests each trial has received (kept after the requests go).
alert_interest_counts = sa.Table(
    "alert_interest_counts",
    metadata,
    sa.Column("nct_id", sa.String(48), primary_key=True),
    sa.Column("requests", sa.Integer, nullable=False),
)

#: Recent form posts per hashed address or IP, for abuse limits (kept one day).
alert_attempts = sa.Table(
    "alert_attempts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("action", sa.String(20), nullable=False),
    sa.Column("key_hash", sa.String(64), nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
)
sa.Index("ix_alert_attempts_lookup", alert_attempts.c.action, alert_attempts.c.key_hash, alert_attempts.c.at)

#: Every alerts table, children first (the order to delete in).
ALERT_TABLES = (alert_attempts, alert_interest_counts, alert_interest, alert_items, alert_messages, alert_events,
                alert_subscriptions, alert_subscribers)
