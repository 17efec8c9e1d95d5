"""Key-value storage per skill and user (``SkillContext.storage``), covered by export and forget.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "skill_data",
        sa.Column("skill", sa.String(64), primary_key=True),
        sa.Column("platform", sa.String(32), primary_key=True),
        sa.Column("user_id", sa.String(255), primary_key=True),
        sa.Column("key", sa.String(255), primary_key=True),
        sa.Column("value", sa.JSON, nullable=False),
        sa.Column("updated_at", sa.Float, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("skill_data")
