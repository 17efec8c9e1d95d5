"""Scope leases: several processes on one database, each scope worked on by one of them.

The inbox remembers which process accepted a row (the holder of a scope takes the rows others
accepted for it) and is indexed by scope (a process taking a scope over loads its backlog).

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scope_leases",
        sa.Column("scope_key", sa.String(1024), primary_key=True),
        sa.Column("holder", sa.String(255), nullable=False),
        sa.Column("expires_at", sa.Float, nullable=False),
    )
    op.create_index("ix_scope_leases_holder", "scope_leases", ["holder"])
    op.add_column("inbox", sa.Column("accepted_by", sa.String(255)))
    op.create_index("ix_inbox_scope", "inbox", ["scope_key", "status"])
    op.create_index("ix_inbox_accepted", "inbox", ["status", "accepted_by"])


def downgrade() -> None:
    op.drop_index("ix_inbox_accepted", "inbox")
    op.drop_index("ix_inbox_scope", "inbox")
    op.drop_column("inbox", "accepted_by")
    op.drop_table("scope_leases")
