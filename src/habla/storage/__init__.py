"""Relational storage: SQLite by default, Postgres in production; one schema, migrated by Alembic."""
