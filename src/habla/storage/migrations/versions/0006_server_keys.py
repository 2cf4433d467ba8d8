"""Server keys: the digest key shared by every process (``hashed()`` is an HMAC, not a bare hash).

The key itself is made by the first process that starts (storage/server_keys.py), not here: a migration
runs once per database, but ``HABLA_SERVER_KEY`` may be set instead, and a test database is migrated
by many tests. ``inbound_seen`` rows from before this revision hold plain provider ids; they are not
matched any more (claims are now keyed digests) and are pruned with the rest after 7 days.

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
        "server_keys",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("value", sa.String(128), nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
    )
    op.create_index("ix_inbound_seen_seen_at", "inbound_seen", ["seen_at"])  # the 7-day prune


def downgrade() -> None:
    op.drop_index("ix_inbound_seen_seen_at", "inbound_seen")
    op.drop_table("server_keys")
