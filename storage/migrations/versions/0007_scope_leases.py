"""Scope leases: several processes on one database, each scope worked on by one of them.

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


def downgrade() -> None:
    op.drop_table("scope_leases")
