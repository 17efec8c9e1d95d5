"""The schema, as SQLAlchemy Core tables (the hot path uses Core, not the ORM)."""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

inbox = sa.Table(
    "inbox",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("event_id", sa.String(255), nullable=False, unique=True),
    sa.Column("platform", sa.String(32), nullable=False),
    sa.Column("scope_key", sa.String(1024), nullable=False),
    sa.Column("message", sa.JSON, nullable=False),
    sa.Column("status", sa.String(16), nullable=False, default="pending"),
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("retry_at", sa.Float, nullable=False, default=0.0),
    sa.Column("received_at", sa.Float, nullable=False),
    sa.Column("done_at", sa.Float),
    sa.Index("ix_inbox_status", "status", "retry_at"),
)
"""Every accepted event, committed before the platform is acknowledged."""

outbox = sa.Table(
    "outbox",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("inbox_id", sa.Integer, sa.ForeignKey("inbox.id"), nullable=False),
    sa.Column("attempt", sa.Integer, nullable=False),
    sa.Column("seq", sa.Integer, nullable=False),
    sa.Column("platform", sa.String(32), nullable=False),
    sa.Column("scope_key", sa.String(1024), nullable=False),
    sa.Column("reply", sa.JSON, nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("sent_at", sa.Float),
    sa.UniqueConstraint("inbox_id", "attempt", "seq", name="uq_outbox_reply"),
    sa.Index("ix_outbox_unsent", "platform", "sent_at"),
)
"""Replies waiting for (or done with) delivery; written with the inbox row's completion."""

turns = sa.Table(
    "turns",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("scope_key", sa.String(1024), nullable=False),
    sa.Column("inbox_id", sa.Integer, sa.ForeignKey("inbox.id"), nullable=False),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Index("ix_turns_scope", "scope_key", "id"),
)
"""The conversation history of each scope."""

scope_state = sa.Table(
    "scope_state",
    metadata,
    sa.Column("scope_key", sa.String(1024), primary_key=True),
    sa.Column("active_skill", sa.String(64)),
    sa.Column("state", sa.JSON, nullable=False),
    sa.Column("updated_at", sa.Float, nullable=False),
)
"""Per-scope dialogue state: the skill holding an open dialogue and its data."""

transcripts = sa.Table(
    "transcripts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("inbox_id", sa.Integer, sa.ForeignKey("inbox.id"), nullable=False),
    sa.Column("scope_key", sa.String(1024), nullable=False),
    sa.Column("platform", sa.String(32), nullable=False),
    sa.Column("user_id", sa.String(255), nullable=False),
    sa.Column("skill", sa.String(64), nullable=False),
    sa.Column("intent", sa.String(64), nullable=False),
    sa.Column("model", sa.String(255), nullable=False),
    sa.Column("prompt", sa.Text, nullable=False),
    sa.Column("output", sa.Text, nullable=False),
    sa.Column("latency_ms", sa.Float, nullable=False),
    sa.Column("prompt_tokens", sa.Integer, nullable=False),
    sa.Column("completion_tokens", sa.Integer, nullable=False),
    sa.Column("outcome", sa.String(16), nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Index("ix_transcripts_created", "created_at"),
)
"""One row per model call or skill answer: the raw material of training and stats."""
