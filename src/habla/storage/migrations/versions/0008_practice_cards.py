"""Practice (habla.practice): FSRS cards for words and recurring errors, and the reviews applied to them.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def _learner() -> sa.Column:
    return sa.Column("learner_id", sa.String(32), sa.ForeignKey("learners.id", ondelete="CASCADE"), nullable=False)


def upgrade() -> None:
    op.create_table(
        "practice_cards",
        sa.Column("id", sa.String(32), primary_key=True),
        _learner(),
        sa.Column("key", sa.String(400), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("front", sa.Text, nullable=False),
        sa.Column("back", sa.Text, nullable=False),
        sa.Column("hint", sa.Text, nullable=False),
        sa.Column("fsrs", sa.JSON().with_variant(JSONB(), "postgresql"), nullable=False),
        sa.Column("state", sa.Integer, nullable=False),
        sa.Column("due_at", sa.Float, nullable=False),
        sa.Column("reviews", sa.Integer, nullable=False, server_default="0"),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("last_review_at", sa.Float, nullable=True),
        sa.Column("introduced_at", sa.Float, nullable=True),
    )
    op.create_index("ix_practice_cards_learner_due", "practice_cards", ["learner_id", "due_at"])
    op.create_table(
        "practice_reviews",
        sa.Column("id", sa.String(32), primary_key=True),
        _learner(),
        sa.Column("card_id", sa.String(32), nullable=False),
        sa.Column("rating", sa.String(8), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("reviewed_at", sa.Float, nullable=False),
    )
    op.create_index("ix_practice_reviews_learner_at", "practice_reviews", ["learner_id", "reviewed_at"])
    op.create_index("ix_practice_reviews_card_id", "practice_reviews", ["card_id"])


def downgrade() -> None:
    op.drop_table("practice_reviews")
    op.drop_table("practice_cards")
