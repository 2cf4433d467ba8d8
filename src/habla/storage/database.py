"""Engines and migrations. The URL alone decides SQLite or Postgres; nothing else forks."""

from __future__ import annotations

import asyncio
import sqlite3
import time
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
    # The busy timeout first: switching a fresh file to WAL takes an exclusive lock, and two processes starting
    # at once on a new database would otherwise fail with "database is locked" instead of waiting their turn.
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA journal_mode")
    if str(cursor.fetchone()[0]).lower() != "wal":  # WAL is stored in the file: only its first opener switches
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
        except Exception as exc:
            # SQLite takes the exclusive lock for this switch without its busy handler: another process is
            # opening the same new file. Whoever wins makes the file WAL for every connection (each one reads
            # the mode from the file header at its next transaction); ``prepare_sqlite`` retries before start.
            if "locked" not in str(exc):
                raise
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    # Deleted rows are overwritten with zeros, not left in free pages: "delete my data" leaves no bytes behind.
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


async def prepare_sqlite(url: str, patience_s: float = 30.0) -> None:
    """Switch a SQLite file to WAL before this process opens its pool, retrying while another process holds the
    lock (the switch does not wait by itself); a no-op for Postgres, memory databases and files already in WAL."""
    if not is_sqlite(url):
        return
    path = make_url(normalise_url(url)).database
    if not path or path == ":memory:" or path.startswith("file::memory:"):
        return
    await asyncio.to_thread(_switch_file_to_wal, path, patience_s)


def _switch_file_to_wal(path: str, patience_s: float) -> None:
    deadline = time.monotonic() + patience_s
    while True:
        connection = sqlite3.connect(path, timeout=patience_s)
        try:
            if str(connection.execute("PRAGMA journal_mode=WAL").fetchone()[0]).lower() == "wal":
                return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
        finally:
            connection.close()
        time.sleep(0.02)


def _alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return config


async def migrate(url: str, revision: str = "head") -> None:
    """Upgrade the schema. Alembic's env runs its own event loop, so it goes to a thread."""
    await prepare_sqlite(url)
    await asyncio.to_thread(command.upgrade, _alembic_config(url), revision)


def head_revision() -> str | None:
    return ScriptDirectory.from_config(_alembic_config("sqlite://")).get_current_head()


async def current_revision(engine: AsyncEngine) -> str | None:
    async with engine.connect() as connection:
        return await connection.run_sync(lambda sync: MigrationContext.configure(sync).get_current_revision())
