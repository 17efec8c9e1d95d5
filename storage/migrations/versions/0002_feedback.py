"""Feedback on delivered replies: the outbox remembers the platform's message id.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("outbox", sa.Column("platform_ref", sa.String(255)))
    op.create_index("ix_outbox_platform_ref", "outbox", ["platform", "platform_ref"])
    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("outbox_id", sa.Integer, sa.ForeignKey("outbox.id"), nullable=False),
        sa.Column("platform", sa.String(32), nullable=False),
        sa.Column("scope_key", sa.String(1024), nullable=False),
        sa.Column("user_id", sa.String(255), nullable=False),
        sa.Column("value", sa.Integer, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.UniqueConstraint("outbox_id", "user_id", name="uq_feedback_vote"),
    )


def downgrade() -> None:
    op.drop_table("feedback")
    op.drop_index("ix_outbox_platform_ref", "outbox")
    op.drop_column("outbox", "platform_ref")
