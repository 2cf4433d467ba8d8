"""How long each stage took, for the operator dashboard and /metrics.

One row per reply handed to its channel (from the webhook's receipt of the learner's message) and per voice
note transcribed (from its receipt to the transcript). LLM latencies are already in llm_calls.

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
        "stage_timings",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("stage", sa.String(32), nullable=False),
        sa.Column("learner_id", sa.String(32), nullable=True),
        sa.Column("latency_ms", sa.Float, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
    )
    op.create_index("ix_stage_timings_stage_created", "stage_timings", ["stage", "created_at"])
    op.create_index("ix_stage_timings_learner", "stage_timings", ["learner_id"])


def downgrade() -> None:
    op.drop_table("stage_timings")
