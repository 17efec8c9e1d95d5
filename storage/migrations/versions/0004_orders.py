"""Confirmed orders and their delivery to the order sink.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "orders",
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


def downgrade() -> None:
    op.drop_table("orders")
