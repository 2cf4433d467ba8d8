"""Practice (habla.practice): each learner's durable practice schedule (the next prompt's UTC time).

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "practice_schedule",
        sa.Column("learner_id", sa.String(32), sa.ForeignKey("learners.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("signature", sa.String(200), nullable=False),
        sa.Column("next_due_at", sa.Float, nullable=True),
        sa.Column("updated_at", sa.Float, nullable=False),
    )
    # the scheduler's claim reads due rows by next_due_at only: its cost follows the rows due, not all learners
    op.create_index("ix_practice_schedule_next_due_at", "practice_schedule", ["next_due_at"])


def downgrade() -> None:
    op.drop_table("practice_schedule")
