"""Trials and their versions.

Revision ID: 0001
Revises:
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "trials",
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
    op.create_index("ix_trials_status", "trials", ["overall_status"])
    op.create_index("ix_trials_last_changed", "trials", ["last_changed"])
    op.create_table(
        "trial_versions",
        sa.Column("nct_id", sa.String(48), sa.ForeignKey("trials.nct_id", ondelete="CASCADE"), primary_key=True),
        sa.Column("version", sa.Integer, primary_key=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("changes", sa.Text, nullable=False),
        sa.Column("record", sa.Text),
    )
    op.create_index("ix_trial_versions_recorded_at", "trial_versions", ["recorded_at"])


def downgrade() -> None:
    op.drop_table("trial_versions")
    op.drop_table("trials")
