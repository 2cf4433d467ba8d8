"""Engines and migrations. The URL alone decides SQLite or Postgres; nothing else forks."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

MIGRATIONS = Path(__file__).parent / "migrations"


def normalise_url(url: str) -> str:
    """Accept the URLs operators paste (postgres://, postgresql://) and pick the async driver."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+asyncpg://" + url[len("postgresql://"):]
    if url.startswith("sqlite://") and not url.startswith("sqlite+aiosqlite://"):
        url = "sqlite+aiosqlite://" + url[len("sqlite://"):]
    return url


def is_sqlite(url: str) -> bool:
    return make_url(normalise_url(url)).get_backend_name() == "sqlite"


def create_engine(url: str) -> AsyncEngine:
    url = normalise_url(url)
    if is_sqlite(url):
        engine = create_async_engine(url, connect_args={"timeout": 30})
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    # No pool_pre_ping: it costs a round trip on every checkout (measured in bench/turn_overhead.py). A
    # connection that died with a Postgres restart fails its statement instead, the handler raises, and the
    # bus retries the message on a fresh connection; pool_recycle keeps connections from going stale.
    engine = create_async_engine(url, pool_size=10, max_overflow=10, pool_recycle=1800)
    event.listen(engine.sync_engine, "connect", _pgvector_codec)
    return engine


def _pgvector_codec(dbapi_connection, _record) -> None:
    """Vectors travel in pgvector's binary format (the ``pgvector`` package's asyncpg codec): a numpy array
    goes in as 1.5 KB of float32 instead of ~3.5 KB of decimal text the server must parse on every query."""
    from pgvector.asyncpg import register_vector

    async def register(connection) -> None:
        try:
            await register_vector(connection)
        except ValueError:
            pass  # no pgvector in this database: memories keep their vectors as bytes (see storage/memories.py)

    dbapi_connection.run_async(register)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # WAL lets the API and a chat process read while an agent writes; foreign keys are off by default.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    # Deleted rows are overwritten with zeros, not left in free pages: "delete my data" leaves no bytes behind.
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


def _alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return config


async def migrate(url: str, revision: str = "head") -> None:
    """Upgrade the schema. Alembic's env runs its own event loop, so it goes to a thread."""
    await asyncio.to_thread(command.upgrade, _alembic_config(url), revision)


def head_revision() -> str | None:
    return ScriptDirectory.from_config(_alembic_config("sqlite://")).get_current_head()


async def current_revision(engine: AsyncEngine) -> str | None:
    async with engine.connect() as connection:
        return await connection.run_sync(lambda sync: MigrationContext.configure(sync).get_current_revision())
