"""The schema, as SQLAlchemy Core tables (the hot path uses Core, not the ORM)."""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()


def _partial_indexes(where: str, **columns: list[str]) -> list[sa.Index]:
    """Indexes over only the rows where ``where`` holds (queries must state it literally)."""
    condition = sa.text(where)
    return [
        sa.Index(name, *names, sqlite_where=condition, postgresql_where=condition)
        for name, names in columns.items()
    ]


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
    sa.Column("accepted_by", sa.String(255)),
    *_partial_indexes(
        "status = 'pending'",
        ix_inbox_pending=["retry_at"],
        ix_inbox_pending_scope=["scope_key", "retry_at"],
        ix_inbox_pending_accepted=["accepted_by"],
    ),
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
    sa.Column("platform_ref", sa.String(255)),
    sa.UniqueConstraint("inbox_id", "attempt", "seq", name="uq_outbox_reply"),
    *_partial_indexes("sent_at IS NULL", ix_outbox_unsent=["platform", "scope_key"]),
    sa.Index("ix_outbox_platform_ref", "platform", "platform_ref"),
)
"""Replies waiting for (or done with) delivery; written with the inbox row's completion."""

PENDING_STATUS: sa.ColumnElement[str] = sa.literal_column("'pending'")
"""'pending' inline in the SQL, as the partial indexes state it: a bound parameter hides it from
the planner."""
PENDING = inbox.c.status == PENDING_STATUS
"""Inbox rows still to process."""
UNSENT = outbox.c.sent_at.is_(None)
"""Replies not yet confirmed as delivered, as the partial index states it."""

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

# --- feedback (reactions on delivered replies) ---------------------------------------------

feedback = sa.Table(
    "feedback",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("outbox_id", sa.Integer, sa.ForeignKey("outbox.id"), nullable=False),
    sa.Column("platform", sa.String(32), nullable=False),
    sa.Column("scope_key", sa.String(1024), nullable=False),
    sa.Column("user_id", sa.String(255), nullable=False),
    sa.Column("value", sa.Integer, nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.UniqueConstraint("outbox_id", "user_id", name="uq_feedback_vote"),
)
"""A user's thumbs up (+1) or down (-1) on one delivered reply; the latest vote counts."""

# --- users, roles, audit, channel and runtime settings ---------------------------------------

users = sa.Table(
    "users",
    metadata,
    sa.Column("platform", sa.String(32), primary_key=True),
    sa.Column("user_id", sa.String(255), primary_key=True),
    sa.Column("is_admin", sa.Boolean, nullable=False, default=False),
    sa.Column("opted_out", sa.Boolean, nullable=False, default=False),
    sa.Column("forgotten_at", sa.Float),
    sa.Column("updated_at", sa.Float, nullable=False),
)
"""Roles granted in the database (config admins are not stored) and privacy choices."""

audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("platform", sa.String(32), nullable=False),
    sa.Column("user_id", sa.String(255), nullable=False),
    sa.Column("verb", sa.String(64), nullable=False),
    sa.Column("args", sa.JSON, nullable=False),
    sa.Column("result", sa.String(16), nullable=False),
    sa.Column("detail", sa.Text, nullable=False, default=""),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Index("ix_audit_created", "created_at"),
)
"""Every admin action and every refusal: who, what, when, result."""

channel_settings = sa.Table(
    "channel_settings",
    metadata,
    sa.Column("platform", sa.String(32), primary_key=True),
    sa.Column("team", sa.String(255), primary_key=True),
    sa.Column("channel", sa.String(255), primary_key=True),
    sa.Column("mode", sa.String(32), nullable=False, default="default"),
    sa.Column("collection", sa.String(128)),
    sa.Column("updated_at", sa.Float, nullable=False),
)
"""Per-channel choices made by admins: translator mode, the docs collection bound to it."""

runtime_flags = sa.Table(
    "runtime_flags",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("value", sa.JSON, nullable=False),
    sa.Column("updated_at", sa.Float, nullable=False),
)
"""Switches admins flip at run time (maintenance mode), shared by every process."""

# --- orders -----------------------------------------------------------------------------------

orders = sa.Table(
    "orders",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("event_id", sa.String(255), nullable=False, unique=True),
    sa.Column("platform", sa.String(32), nullable=False),
    sa.Column("scope_key", sa.String(1024), nullable=False),
    sa.Column("user_id", sa.String(255), nullable=False),
    sa.Column("order", sa.JSON, nullable=False),
    sa.Column("total", sa.Numeric(10, 2), nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("delivered_at", sa.Float),
    sa.Column("delivery_attempts", sa.Integer, nullable=False, default=0),
)
"""Confirmed orders, one per confirming message (its event id), waiting for (or done with) the
order webhook; without a webhook this table is the order sink."""

# --- documents and evaluations -------------------------------------------------------------------

documents = sa.Table(
    "documents",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("collection", sa.String(128), nullable=False),
    sa.Column("path", sa.String(2048), nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("pages", sa.Integer, nullable=False),
    sa.Column("node_ids", sa.JSON, nullable=False),
    sa.Column("ingested_at", sa.Float, nullable=False),
    sa.UniqueConstraint("collection", "path", name="uq_documents_path"),
)
"""Ingested files per docs collection, so re-ingest skips unchanged files and drops deleted ones."""

eval_runs = sa.Table(
    "eval_runs",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("subject", sa.String(128), nullable=False),
    sa.Column("app_version", sa.String(64), nullable=False),
    sa.Column("metrics", sa.JSON, nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
)
"""Evaluation results (RAG triad per retrieval method, skill harness per model version)."""

# --- training ----------------------------------------------------------------------------------

model_versions = sa.Table(
    "model_versions",
    metadata,
    sa.Column("version", sa.String(64), primary_key=True),
    sa.Column("base_model", sa.String(255), nullable=False),
    sa.Column("adapter_path", sa.String(2048)),
    sa.Column("metrics", sa.JSON, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("promoted_at", sa.Float),
)
"""Every fine-tuned version with its metrics; at most one is ``promoted`` (served)."""

training_runs = sa.Table(
    "training_runs",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("started_at", sa.Float, nullable=False),
    sa.Column("finished_at", sa.Float),
    sa.Column("manifest", sa.JSON, nullable=False),
    sa.Column("version", sa.String(64)),
    sa.Column("error", sa.Text),
)
"""One dataset build + fine-tune + evaluation, whatever its outcome."""

job_leases = sa.Table(
    "job_leases",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("holder", sa.String(255)),
    sa.Column("expires_at", sa.Float, nullable=False, default=0.0),
    sa.Column("last_run_key", sa.String(64)),
)
"""Which process runs a scheduled job, until when; ``last_run_key`` makes a due run happen once."""

# --- scale-out: several processes on one database -----------------------------------------------

scope_leases = sa.Table(
    "scope_leases",
    metadata,
    sa.Column("scope_key", sa.String(1024), primary_key=True),
    sa.Column("holder", sa.String(255), nullable=False),
    sa.Column("expires_at", sa.Float, nullable=False),
    sa.Index("ix_scope_leases_holder", "holder"),
)
"""Which process works on a scope, until when (renewed while it lives): one scope, one process."""

# --- web chat: admin login links ----------------------------------------------------------------

web_logins = sa.Table(
    "web_logins",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("user_id", sa.String(255), nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("expires_at", sa.Float, nullable=False),
    sa.Column("used_at", sa.Float),
)
"""Login links printed by ``chatwright admin web-login``: the SHA-256 of the token, single use."""

# --- Slack: workspaces installed through OAuth (slack_sdk's SQLAlchemy stores read these) -------

slack_installations = sa.Table(
    "slack_installations",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("client_id", sa.String(32), nullable=False),
    sa.Column("app_id", sa.String(32), nullable=False),
    sa.Column("enterprise_id", sa.String(32)),
    sa.Column("enterprise_name", sa.String(200)),
    sa.Column("enterprise_url", sa.String(200)),
    sa.Column("team_id", sa.String(32)),
    sa.Column("team_name", sa.String(200)),
    sa.Column("bot_token", sa.String(200)),
    sa.Column("bot_id", sa.String(32)),
    sa.Column("bot_user_id", sa.String(32)),
    sa.Column("bot_scopes", sa.String(1000)),
    sa.Column("bot_refresh_token", sa.String(200)),
    sa.Column("bot_token_expires_at", sa.DateTime),
    sa.Column("user_id", sa.String(32), nullable=False),
    sa.Column("user_token", sa.String(200)),
    sa.Column("user_scopes", sa.String(1000)),
    sa.Column("user_refresh_token", sa.String(200)),
    sa.Column("user_token_expires_at", sa.DateTime),
    sa.Column("incoming_webhook_url", sa.String(200)),
    sa.Column("incoming_webhook_channel", sa.String(200)),
    sa.Column("incoming_webhook_channel_id", sa.String(200)),
    sa.Column("incoming_webhook_configuration_url", sa.String(200)),
    sa.Column("is_enterprise_install", sa.Boolean, nullable=False),
    sa.Column("token_type", sa.String(32)),
    sa.Column("installed_at", sa.DateTime, nullable=False),
    sa.Index("slack_installations_idx", "client_id", "enterprise_id", "team_id", "user_id", "installed_at"),
)
"""Each installation of the app (slack_sdk's ``SQLAlchemyInstallationStore`` layout, version 3.8+)."""

slack_bots = sa.Table(
    "slack_bots",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("client_id", sa.String(32), nullable=False),
    sa.Column("app_id", sa.String(32), nullable=False),
    sa.Column("enterprise_id", sa.String(32)),
    sa.Column("enterprise_name", sa.String(200)),
    sa.Column("team_id", sa.String(32)),
    sa.Column("team_name", sa.String(200)),
    sa.Column("bot_token", sa.String(200)),
    sa.Column("bot_id", sa.String(32)),
    sa.Column("bot_user_id", sa.String(32)),
    sa.Column("bot_scopes", sa.String(1000)),
    sa.Column("bot_refresh_token", sa.String(200)),
    sa.Column("bot_token_expires_at", sa.DateTime),
    sa.Column("is_enterprise_install", sa.Boolean, nullable=False),
    sa.Column("installed_at", sa.DateTime, nullable=False),
    sa.Index("slack_bots_idx", "client_id", "enterprise_id", "team_id", "installed_at"),
)
"""Each workspace's bot token (and refresh token, with token rotation); the newest row is used."""

slack_oauth_states = sa.Table(
    "slack_oauth_states",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("state", sa.String(200), nullable=False),
    sa.Column("expire_at", sa.DateTime, nullable=False),
)
"""OAuth ``state`` values issued by /slack/install, consumed once by /slack/oauth_redirect."""
