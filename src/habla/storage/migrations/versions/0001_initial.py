"""Learners, inbound dedupe, turns, deliveries and LLM call accounting.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

JsonDocument = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "learners",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("address", sa.String(128), nullable=False),
        sa.Column("profile", JsonDocument, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("last_inbound_at", sa.Float, nullable=True),
        sa.UniqueConstraint("channel", "address", name="uq_learners_channel_address"),
    )
    op.create_table(
        "inbound_seen",
        sa.Column("channel", sa.String(32), primary_key=True),
        sa.Column("message_id", sa.String(191), primary_key=True),
        sa.Column("seen_at", sa.Float, nullable=False),
    )
    op.create_table(
        "turns",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("learner_id", sa.String(32), sa.ForeignKey("learners.id", ondelete="CASCADE"), nullable=False),
        sa.Column("inbound_key", sa.String(224), nullable=False, unique=True),
        sa.Column("user_text", sa.Text, nullable=False),
        sa.Column("reply_text", sa.Text, nullable=False),
        sa.Column("tier", sa.String(16), nullable=True),
        sa.Column("created_at", sa.Float, nullable=False),
    )
    op.create_index("ix_turns_learner_created", "turns", ["learner_id", "created_at"])
    op.create_table(
        "deliveries",
        sa.Column("outbound_id", sa.String(64), primary_key=True),
        sa.Column("chunk_index", sa.Integer, primary_key=True),
        sa.Column("learner_key", sa.String(191), nullable=False),
        sa.Column("sent_at", sa.Float, nullable=False),
    )
    op.create_table(
        "llm_calls",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("learner_id", sa.String(32), nullable=True),
        sa.Column("tier", sa.String(16), nullable=False),
        sa.Column("provider", sa.String(32), nullable=False),
        sa.Column("model", sa.String(128), nullable=False),
        sa.Column("ok", sa.Boolean, nullable=False),
        sa.Column("tokens_in", sa.Integer, nullable=False),
        sa.Column("tokens_out", sa.Integer, nullable=False),
        sa.Column("latency_ms", sa.Float, nullable=False),
        sa.Column("error", sa.String(255), nullable=True),
        sa.Column("created_at", sa.Float, nullable=False),
    )
    op.create_index("ix_llm_calls_learner_id", "llm_calls", ["learner_id"])


def downgrade() -> None:
    op.drop_index("ix_llm_calls_learner_id", table_name="llm_calls")
    op.drop_table("llm_calls")
    op.drop_table("deliveries")
    op.drop_index("ix_turns_learner_created", table_name="turns")
    op.drop_table("turns")
    op.drop_table("inbound_seen")
    op.drop_table("learners")
