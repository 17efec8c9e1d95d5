"""Users (roles, opt-out), the audit log, channel settings, runtime flags.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("platform", sa.String(32), primary_key=True),
        sa.Column("user_id", sa.String(255), primary_key=True),
        sa.Column("is_admin", sa.Boolean, nullable=False, default=False),
        sa.Column("opted_out", sa.Boolean, nullable=False, default=False),
        sa.Column("forgotten_at", sa.Float),
        sa.Column("updated_at", sa.Float, nullable=False),
    )
    op.create_table(
        "audit_log",
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
    op.create_table(
        "channel_settings",
        sa.Column("platform", sa.String(32), primary_key=True),
        sa.Column("team", sa.String(255), primary_key=True),
        sa.Column("channel", sa.String(255), primary_key=True),
        sa.Column("mode", sa.String(32), nullable=False, default="default"),
        sa.Column("collection", sa.String(128)),
        sa.Column("updated_at", sa.Float, nullable=False),
    )
    op.create_table(
        "runtime_flags",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("value", sa.JSON, nullable=False),
        sa.Column("updated_at", sa.Float, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("runtime_flags")
    op.drop_table("channel_settings")
    op.drop_table("audit_log")
    op.drop_table("users")
