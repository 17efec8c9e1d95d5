"""Model versions, training runs and job leases.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "model_versions",
        sa.Column("version", sa.String(64), primary_key=True),
        sa.Column("base_model", sa.String(255), nullable=False),
        sa.Column("adapter_path", sa.String(2048)),
        sa.Column("metrics", sa.JSON, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("promoted_at", sa.Float),
    )
    op.create_table(
        "training_runs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("started_at", sa.Float, nullable=False),
        sa.Column("finished_at", sa.Float),
        sa.Column("manifest", sa.JSON, nullable=False),
        sa.Column("version", sa.String(64)),
        sa.Column("error", sa.Text),
    )
    op.create_table(
        "job_leases",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("holder", sa.String(255)),
        sa.Column("expires_at", sa.Float, nullable=False, default=0.0),
        sa.Column("last_run_key", sa.String(64)),
    )


def downgrade() -> None:
    op.drop_table("job_leases")
    op.drop_table("training_runs")
    op.drop_table("model_versions")
