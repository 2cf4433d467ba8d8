"""Who claimed an inbound message id: the bus message that carried it.

Dedupe moved off the webhook (which now only verifies, parses and publishes) into the agents. A claim
stores the bus message id, so a redelivery of the same bus message (a crashed worker) is let through while
a second copy of the provider's message (a duplicate delivery) is dropped.

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
    with op.batch_alter_table("inbound_seen") as batch:
        batch.add_column(sa.Column("claimed_by", sa.String(96), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("inbound_seen") as batch:
        batch.drop_column("claimed_by")
