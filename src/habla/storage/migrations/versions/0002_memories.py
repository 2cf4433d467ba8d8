"""Learner memories with embeddings: pgvector on Postgres, float32 bytes on SQLite.

Revision ID: 0002
Revises: 0001

Postgres needs the pgvector extension available on the server (`CREATE EXTENSION` needs a role allowed to
create it, usually the database owner on PostgreSQL 13+ since vector is a trusted extension; otherwise a
superuser runs `CREATE EXTENSION vector` once). Search is exact and per learner (at most 1,000 rows each,
found by the learner index), so no ANN index: an HNSW index would filter after the search and could miss a
learner's memories.

A Postgres without pgvector (Debian's own packages have none) still works: the column is then ``bytea``
holding float32 bytes, searched exactly in Python over the learner's rows as on SQLite (at most 1,000 each),
and `habla doctor` says pgvector would be faster.
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    pgvector = postgres and _create_pgvector()
    op.create_table(
        "memories",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("learner_id", sa.String(32), sa.ForeignKey("learners.id", ondelete="CASCADE"), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("terms", sa.Text, nullable=False),
        sa.Column("importance", sa.Float, nullable=False),
        sa.Column("hits", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_used_at", sa.Float, nullable=True),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("embedding_model", sa.String(96), nullable=True),
        *([] if pgvector else [sa.Column("embedding", sa.LargeBinary, nullable=True)]),
    )
    if pgvector:  # alembic has no pgvector type; the column is plain DDL
        op.execute("ALTER TABLE memories ADD COLUMN embedding vector(384)")
    op.create_index("ix_memories_learner_created", "memories", ["learner_id", "created_at"])
    op.create_index("ix_deliveries_learner_key", "deliveries", ["learner_key"])  # erasure finds a learner's rows


def _create_pgvector() -> bool:
    """True when pgvector is (now) in this database; False when the server has none or we may not create it."""
    bind = op.get_bind()
    if bind.execute(sa.text("SELECT 1 FROM pg_extension WHERE extname = 'vector'")).scalar():
        return True
    if not bind.execute(sa.text("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'")).scalar():
        return False
    op.execute("CREATE EXTENSION IF NOT EXISTS vector")
    return True


def downgrade() -> None:
    op.drop_index("ix_deliveries_learner_key", table_name="deliveries")
    op.drop_index("ix_memories_learner_created", table_name="memories")
    op.drop_table("memories")
