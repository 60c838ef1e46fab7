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
