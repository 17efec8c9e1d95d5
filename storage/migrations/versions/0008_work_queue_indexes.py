"""The inbox and outbox indexes hold only the work left: pending rows, unsent replies.

Partial indexes (SQLite and PostgreSQL both have them) stay as small as the backlog, however
long the history grows, and settling a row or marking a reply sent removes it from them instead
of moving it inside every index that had ``status`` or ``sent_at`` in it. Queries name the
condition literally (``storage.tables.PENDING``, ``UNSENT``) so the planner may use them.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_PENDING = sa.text("status = 'pending'")
_UNSENT = sa.text("sent_at IS NULL")


def upgrade() -> None:
    for name in ("ix_inbox_status", "ix_inbox_scope", "ix_inbox_accepted"):
        op.drop_index(name, "inbox")
    op.drop_index("ix_outbox_unsent", "outbox")
    _partial("ix_inbox_pending", "inbox", ["retry_at"], _PENDING)
    _partial("ix_inbox_pending_scope", "inbox", ["scope_key", "retry_at"], _PENDING)
    _partial("ix_inbox_pending_accepted", "inbox", ["accepted_by"], _PENDING)
    _partial("ix_outbox_unsent", "outbox", ["platform", "scope_key"], _UNSENT)


def downgrade() -> None:
    for name in ("ix_inbox_pending", "ix_inbox_pending_scope", "ix_inbox_pending_accepted"):
        op.drop_index(name, "inbox")
    op.drop_index("ix_outbox_unsent", "outbox")
    op.create_index("ix_inbox_status", "inbox", ["status", "retry_at"])
    op.create_index("ix_inbox_scope", "inbox", ["scope_key", "status"])
    op.create_index("ix_inbox_accepted", "inbox", ["status", "accepted_by"])
    op.create_index("ix_outbox_unsent", "outbox", ["platform", "sent_at"])


def _partial(name: str, table: str, columns: list[str], where: sa.TextClause) -> None:
    op.create_index(name, table, columns, sqlite_where=where, postgresql_where=where)
