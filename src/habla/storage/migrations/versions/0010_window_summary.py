"""Window summaries (habla.practice.window_summary): which session each learner was last summarised for, and
an index on the last message time that the summary's candidates and the session watcher read by.

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
    # the last_inbound_at of the session a summary went out for (or was judged to need none): the claim
    with op.batch_alter_table("learners") as batch:
        batch.add_column(sa.Column("summarised_inbound_at", sa.Float, nullable=True))
    # both readers ask for learners whose last message falls in a time range: without it, every learner is read
    op.create_index("ix_learners_last_inbound_at", "learners", ["last_inbound_at"])


def downgrade() -> None:
    op.drop_index("ix_learners_last_inbound_at", table_name="learners")
    with op.batch_alter_table("learners") as batch:
        batch.drop_column("summarised_inbound_at")
