"""Alerts: subscribers, subscriptions, new-trial events, the outbox, pending items, "I'm interested"
requests and their counts, and abuse-limit attempts.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _when(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "alert_subscribers",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("key", sa.String(32), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("email_hash", sa.String(64), nullable=False),
        sa.Column("frequency", sa.String(10), nullable=False),
        _when("created_at"),
        _when("last_digest_at", nullable=True),
    )
    op.create_index("ux_alert_subscribers_key", "alert_subscribers", ["key"], unique=True)
    op.create_index("ux_alert_subscribers_email_hash", "alert_subscribers", ["email_hash"], unique=True)

    op.create_table(
        "alert_subscriptions",
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
        _when("created_at"),
        _when("confirmed_at", nullable=True),
    )
    op.create_index("ux_alert_subscriptions_key", "alert_subscriptions", ["key"], unique=True)
    op.create_index("ux_alert_subscriptions_target", "alert_subscriptions", ["subscriber_id", "target_key"],
                    unique=True)
    op.create_index("ix_alert_subscriptions_request", "alert_subscriptions", ["request_key"])
    op.create_index("ix_alert_subscriptions_trial", "alert_subscriptions", ["nct_id", "state"])
    op.create_index("ix_alert_subscriptions_kind", "alert_subscriptions", ["kind", "state"])

    op.create_table(
        "alert_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("nct_id", sa.String(48), nullable=False),
        sa.Column("kind", sa.String(12), nullable=False),
        _when("recorded_at"),
        _when("matched_at", nullable=True),
    )
    op.create_index("ix_alert_events_matched_at", "alert_events", ["matched_at"])

    op.create_table(
        "alert_messages",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("idempotency_key", sa.String(64), nullable=False),
        sa.Column("message_id", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("subscriber_id", sa.Integer, sa.ForeignKey("alert_subscribers.id", ondelete="CASCADE")),
        sa.Column("recipient", sa.String(254)),
        sa.Column("body", sa.LargeBinary),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        _when("next_attempt_at"),
        _when("lease_until", nullable=True),
        _when("created_at"),
        _when("sent_at", nullable=True),
        sa.Column("last_error", sa.String(200)),
    )
    op.create_index("ux_alert_messages_idempotency_key", "alert_messages", ["idempotency_key"], unique=True)
    op.create_index("ux_alert_messages_message_id", "alert_messages", ["message_id"], unique=True)
    op.create_index("ix_alert_messages_due", "alert_messages", ["status", "next_attempt_at"])
    op.create_index("ix_alert_messages_subscriber", "alert_messages", ["subscriber_id"])

    op.create_table(
        "alert_items",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("subscription_id", sa.Integer, sa.ForeignKey("alert_subscriptions.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("subscriber_id", sa.Integer, sa.ForeignKey("alert_subscribers.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("nct_id", sa.String(48), nullable=False),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("source_key", sa.String(80), nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        _when("created_at"),
        sa.Column("message_id", sa.Integer, sa.ForeignKey("alert_messages.id", ondelete="CASCADE")),
    )
    op.create_index("ux_alert_items_source", "alert_items", ["subscription_id", "source_key"], unique=True)
    op.create_index("ix_alert_items_pending", "alert_items", ["subscriber_id", "message_id"])

    op.create_table(
        "alert_interest",
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
        _when("created_at"),
        _when("confirmed_at", nullable=True),
    )
    op.create_index("ux_alert_interest_key", "alert_interest", ["key"], unique=True)
    op.create_index("ix_alert_interest_created_at", "alert_interest", ["created_at"])
    op.create_index("ix_alert_interest_sender", "alert_interest", ["email_hash", "nct_id"])

    op.create_table(
        "alert_interest_counts",
        sa.Column("nct_id", sa.String(48), primary_key=True),
        sa.Column("requests", sa.Integer, nullable=False),
    )

    op.create_table(
        "alert_attempts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False),
        _when("at"),
    )
    op.create_index("ix_alert_attempts_lookup", "alert_attempts", ["action", "key_hash", "at"])


def downgrade() -> None:
    for table in ("alert_attempts", "alert_interest_counts", "alert_interest", "alert_items", "alert_messages",
                  "alert_events", "alert_subscriptions", "alert_subscribers"):
        op.drop_table(table)
