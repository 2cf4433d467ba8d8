"""What every table family of the store shares: the engine, sessions, and the one translation of driver errors.

SQLAlchemy and its drivers raise their own exception types. Callers (the agents, the outage guard) catch
only Habla's tree, so every database call here goes through ``reading()`` / ``writing()`` /
``connection()``, which turn a refused or lost connection into ``StorageError`` in one place (the model:
httpx's ``map_httpcore_exceptions``).
"""

from __future__ import annotations

import contextlib
import dataclasses
from typing import AsyncIterator, TypeVar

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from habla.errors import StorageError

Record = TypeVar("Record")


def as_record(record_type: type[Record], row) -> Record:
    """A row as the frozen dataclass callers get (same field names): callers never hold an ORM object."""
    return record_type(**{field.name: getattr(row, field.name) for field in dataclasses.fields(record_type)})


def is_database_outage(exc: BaseException) -> bool:
    """A refused, lost or invalidated connection: the server, not the statement, is the problem."""
    if isinstance(exc, (OperationalError, InterfaceError, ConnectionError, OSError)):
        return True
    return isinstance(exc, DBAPIError) and bool(exc.connection_invalidated)


@contextlib.contextmanager
def database_errors(what: str):
    """Re-raise the driver's connection failures as StorageError; statement errors are bugs and pass through."""
    try:
        yield
    except StorageError:
        raise
    except Exception as exc:
        if is_database_outage(exc):
            raise StorageError(f"database unavailable ({what}): {type(exc).__name__}") from exc
        raise


class TableAccess:
    """Base of the table families (learners, turns, deliveries, …) that make up ``Store``."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.postgres = engine.dialect.name == "postgresql"
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)
        self._insert = pg_insert if self.postgres else sqlite_insert

    @contextlib.asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncSession]:
        with database_errors("read"):
            async with self._sessions() as session:
                yield session

    @contextlib.asynccontextmanager
    async def writing(self) -> AsyncIterator[AsyncSession]:
        """One transaction: committed when the block ends, rolled back on error."""
        with database_errors("write"):
            async with self._sessions.begin() as session:
                yield session

    @contextlib.asynccontextmanager
    async def connection(self) -> AsyncIterator[AsyncConnection]:
        with database_errors("query"):
            async with self.engine.connect() as connection:
                yield connection

    async def records(self, query, record_type: type[Record]) -> list[Record]:
        """Run a ``select(Row)`` and return its rows as ``record_type`` dataclasses, in the query's order."""
        async with self.reading() as session:
            return [as_record(record_type, row) for row in (await session.execute(query)).scalars()]

    async def insert_ignore(self, table, values: dict) -> bool:
        """Insert unless the key exists; True when this call inserted it (safe across processes)."""
        statement = self._insert(table).values(**values).on_conflict_do_nothing()
        async with self.writing() as session:
            result = await session.execute(statement)
        return result.rowcount == 1

    def for_update(self, query):
        """Row-lock on Postgres; SQLite serialises writers anyway."""
        return query.with_for_update() if self.postgres else query
