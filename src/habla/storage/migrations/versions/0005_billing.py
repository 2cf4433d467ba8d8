"""Billing: blocklist, plans, Checkout Sessions and their facts, applied Stripe events, usage counters.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _learner(primary_key: bool = False, nullable: bool = False) -> sa.Column:
    return sa.Column(
        "learner_id", sa.String(32), sa.ForeignKey("learners.id", ondelete="CASCADE"),
        primary_key=primary_key, nullable=nullable,
    )


def upgrade() -> None:
    op.create_table(
        "blocked_addresses",
        sa.Column("address", sa.String(128), primary_key=True),
        sa.Column("blocked_at", sa.Float, nullable=False),
    )
    op.create_table(
        "billing_accounts",
        _learner(primary_key=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("notice", sa.String(16), nullable=True),
        sa.Column("activations", sa.Integer, nullable=False, server_default="0"),
        sa.Column("changed_at", sa.Float, nullable=False),
    )
    op.create_table(
        "billing_checkouts",
        sa.Column("session_id", sa.String(255), primary_key=True),
        _learner(nullable=True),
        sa.Column("client_reference_id", sa.String(200), nullable=True),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("customer_id", sa.String(255), nullable=True),
        sa.Column("payment_intent", sa.String(255), nullable=True),
        sa.Column("subscription_id", sa.String(255), nullable=True),
        sa.Column("paid", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("failed", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("refunded", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("ended", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("updated_at", sa.Float, nullable=False),
    )
    op.create_index("ix_billing_checkouts_learner_id", "billing_checkouts", ["learner_id"])
    op.create_index("ix_billing_checkouts_payment_intent", "billing_checkouts", ["payment_intent"])
    op.create_index("ix_billing_checkouts_subscription_id", "billing_checkouts", ["subscription_id"])
    op.create_table(
        "stripe_events",
        sa.Column("id", sa.String(255), primary_key=True),
        sa.Column("type", sa.String(96), nullable=False),
        sa.Column("received_at", sa.Float, nullable=False),
    )
    op.create_table(
        "usage_counters",
        _learner(primary_key=True),
        sa.Column("period", sa.String(32), primary_key=True),
        sa.Column("count", sa.Integer, nullable=False),
        sa.Column("last_key", sa.String(224), nullable=True),
    )


def downgrade() -> None:
    for table in ("usage_counters", "stripe_events", "billing_checkouts", "billing_accounts",
                  "blocked_addresses"):
        op.drop_table(table)
