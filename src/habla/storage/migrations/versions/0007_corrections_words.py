"""The tutor's structured turns: corrections, the learner's words, and how each turn was written (habla.pedagogy).

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def _learner(primary_key: bool = False) -> sa.Column:
    return sa.Column(
        "learner_id", sa.String(32), sa.ForeignKey("learners.id", ondelete="CASCADE"), primary_key=primary_key,
        nullable=False,
    )


def upgrade() -> None:
    # "structured" (one TutorTurn call) or "free_text" (the fallback when the model's JSON would not
    # validate); NULL for notices and for turns written before this revision
    op.add_column("turns", sa.Column("path", sa.String(16), nullable=True))
    op.create_table(
        "corrections",
        sa.Column("id", sa.String(32), primary_key=True),
        _learner(),
        sa.Column("turn_id", sa.String(32), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("category", sa.String(40), nullable=False),
        sa.Column("original", sa.Text, nullable=False),
        sa.Column("corrected", sa.Text, nullable=False),
        sa.Column("explanation", sa.Text, nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
    )
    op.create_index("ix_corrections_learner_created", "corrections", ["learner_id", "created_at"])
    op.create_index("ix_corrections_turn_id", "corrections", ["turn_id"])
    op.create_table(
        "learner_words",
        _learner(primary_key=True),
        sa.Column("language", sa.String(8), primary_key=True),
        sa.Column("lemma", sa.String(80), primary_key=True),
        sa.Column("translation", sa.Text, nullable=False),
        sa.Column("example", sa.Text, nullable=False),
        sa.Column("first_seen", sa.Float, nullable=False),
        sa.Column("last_seen", sa.Float, nullable=False),
        sa.Column("times_seen", sa.Integer, nullable=False, server_default="1"),
    )
    op.create_index("ix_learner_words_learner_last_seen", "learner_words", ["learner_id", "last_seen"])


def downgrade() -> None:
    op.drop_table("learner_words")
    op.drop_table("corrections")
    with op.batch_alter_table("turns") as batch:  # SQLite drops a column only by rebuilding the table
        batch.drop_column("path")
