"""The memories table: summaries and key moments with their vectors, and the search over them.

Vector search is dialect-specific on purpose: pgvector's ``<=>`` on Postgres, exact numpy cosine over the
learner's rows on SQLite (at most ``max_memories`` per learner, so exact search is cheap and never misses),
and the same numpy search on a Postgres without pgvector, where the vectors are float32 bytes in a ``bytea``
column. Query vectors go to pgvector in its binary format (the ``pgvector`` package's codec,
storage/database.py).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass

import asyncpg
import numpy as np
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine

from habla.domain.recall import Candidate
from habla.errors import StorageError
from habla.storage.access import TableAccess
from habla.storage.models import MemoryRow

VECTOR_CANDIDATES = 20
LEXICAL_CANDIDATES = 50
# asyncpg's own errors for a lost or refused connection (the recall query runs on the driver directly)
DRIVER_OUTAGES = (asyncpg.exceptions.InterfaceError, asyncpg.exceptions.PostgresConnectionError,
                  asyncpg.exceptions.OperatorInterventionError)
SQLITE_CACHE_LEARNERS = 32  # at 1,000 memories a learner holds ~1.7 MB here


@dataclass(frozen=True)
class NewMemory:
    id: str
    learner_id: str
    kind: str
    text: str
    terms: str
    importance: float
    created_at: float
    embedding: np.ndarray | None
    embedding_model: str | None


@dataclass(frozen=True)
class FoundMemory:
    id: str
    kind: str
    text: str
    created_at: float
    candidate: Candidate


def as_float32(vector: np.ndarray) -> np.ndarray:
    """What the binary codec (pgvector columns) and the bytes encoding (bytea, SQLite) both start from."""
    return np.ascontiguousarray(vector, dtype=np.float32)


class _LearnerRows:
    """One learner's memories (SQLite): the rows, and per embedding model the matrix of their vectors."""

    def __init__(self, version: tuple, rows) -> None:
        self.version = version
        self.memories = rows
        self._matrices: dict[str | None, tuple[np.ndarray, np.ndarray] | None] = {}

    def comparable(self, model_id: str | None) -> tuple[np.ndarray, np.ndarray] | None:
        if model_id not in self._matrices:
            indexes = [i for i, r in enumerate(self.memories) if r.embedding is not None and r.embedding_model == model_id]
            if indexes:
                matrix = np.frombuffer(b"".join(self.memories[i].embedding for i in indexes), dtype=np.float32)
                self._matrices[model_id] = (np.array(indexes), matrix.reshape(len(indexes), -1))
            else:
                self._matrices[model_id] = None
        return self._matrices[model_id]


class MemoryTable(TableAccess):
    def __init__(self, engine: AsyncEngine) -> None:
        super().__init__(engine)
        self._cache: OrderedDict[str, _LearnerRows] = OrderedDict()  # numpy search: learner id -> rows
        self._pgvector: bool | None = None  # is memories.embedding a pgvector column? (asked once)

    async def uses_pgvector(self) -> bool:
        """True on Postgres with pgvector; False on SQLite and on a Postgres that has none (bytea vectors)."""
        if self._pgvector is None:
            if not self.postgres:
                self._pgvector = False
            else:
                query = text("SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
                             "WHERE attrelid = 'memories'::regclass AND attname = 'embedding'")
                async with self.connection() as connection:
                    kind = (await connection.execute(query)).scalar()
                self._pgvector = bool(kind and kind.startswith("vector"))
        return self._pgvector

    # memories

    async def add_memories(self, memories: list[NewMemory], max_per_learner: int) -> None:
        """Insert (ids are deterministic: a redelivered update inserts nothing twice), then prune."""
        if not memories:
            return
        pgvector = await self.uses_pgvector()
        async with self.writing() as session:
            for memory in memories:
                values = {
                    "id": memory.id, "learner_id": memory.learner_id, "kind": memory.kind, "text": memory.text,
                    "terms": memory.terms, "importance": memory.importance, "hits": 0, "created_at": memory.created_at,
                    "embedding_model": memory.embedding_model if memory.embedding is not None else None,
                    "embedding": self._encode(memory.embedding, pgvector),
                }
                await session.execute(self._insert(MemoryRow.__table__).values(**values).on_conflict_do_nothing())
        for learner_id in {memory.learner_id for memory in memories}:
            await self.prune(learner_id, max_per_learner)

    @staticmethod
    def _encode(vector: np.ndarray | None, pgvector: bool):
        if vector is None:
            return None
        return as_float32(vector) if pgvector else as_float32(vector).tobytes()

    async def prune(self, learner_id: str, keep: int) -> int:
        """Delete the least useful memories beyond ``keep``: lowest importance + times recalled, then oldest use."""
        async with self.writing() as session:
            count = (
                await session.execute(select(func.count()).select_from(MemoryRow).where(MemoryRow.learner_id == learner_id))
            ).scalar_one()
            excess = count - keep
            if excess <= 0:
                return 0
            doomed = (
                select(MemoryRow.id)
                .where(MemoryRow.learner_id == learner_id)
                .order_by(
                    (MemoryRow.importance + MemoryRow.hits).asc(),
                    func.coalesce(MemoryRow.last_used_at, MemoryRow.created_at).asc(),
                )
                .limit(excess)
            )
            ids = list((await session.execute(doomed)).scalars())
            await session.execute(delete(MemoryRow).where(MemoryRow.id.in_(ids)))
            return len(ids)

    async def count_memories(self, learner_id: str) -> int:
        async with self.reading() as session:
            query = select(func.count()).select_from(MemoryRow).where(MemoryRow.learner_id == learner_id)
            return (await session.execute(query)).scalar_one()

    async def candidates(
        self, learner_id: str, query: np.ndarray | None, model_id: str | None, query_terms: set[str]
    ) -> list[FoundMemory]:
        """Memories of this learner (only): the nearest by vector plus those sharing a term with the query."""
        if await self.uses_pgvector():
            return await self._pg_candidates(learner_id, query, model_id, query_terms)
        return await self._numpy_candidates(learner_id, query, model_id, query_terms)

    async def _pg_candidates(self, learner_id, query, model_id, query_terms) -> list[FoundMemory]:
        """One statement, sent on the driver's own connection: through SQLAlchemy's text() the search cost
        2.3 ms more than the queries themselves (0.9 ms vector half, 0.2 ms keyword half here), three times
        the bare pgvector query. asyncpg prepares it once per connection and sends the vector in pgvector's
        binary format (the codec storage/database.py registers)."""
        patterns = [f"% {term} %" for term in sorted(query_terms)]
        columns = "id, kind, text, terms, importance, created_at"
        args: list = [learner_id]
        if query is not None:
            args += [as_float32(query), model_id]
            cosine = "CASE WHEN embedding IS NOT NULL AND embedding_model = $3 THEN 1 - (embedding <=> $2) ELSE 0 END"
            nearest = (
                f"(SELECT {columns}, {cosine} AS cosine FROM memories WHERE learner_id = $1 "
                f"AND embedding IS NOT NULL AND embedding_model = $3 ORDER BY embedding <=> $2 LIMIT {VECTOR_CANDIDATES})"
            )
        else:
            cosine, nearest = "0.0", ""
        lexical = ""
        if patterns:
            args.append(patterns)
            lexical = (
                f"(SELECT {columns}, {cosine} AS cosine FROM memories WHERE learner_id = $1 "
                f"AND terms LIKE ANY(${len(args)}::text[]) ORDER BY created_at DESC LIMIT {LEXICAL_CANDIDATES})"  # walks the learner index
            )
        parts = [part for part in (nearest, lexical) if part]
        if not parts:
            return []
        async with self.connection() as connection:
            driver = (await connection.get_raw_connection()).driver_connection
            try:
                rows = await driver.fetch(" UNION ".join(parts), *args)
            except DRIVER_OUTAGES as exc:  # what SQLAlchemy would have translated on its own path
                await connection.invalidate()
                raise StorageError(f"database unavailable (recall): {type(exc).__name__}") from exc
        return [
            FoundMemory(r["id"], r["kind"], r["text"], r["created_at"],
                        Candidate(r["id"], float(r["cosine"]), r["terms"], r["importance"]))
            for r in rows
        ]

    async def _numpy_candidates(self, learner_id, query, model_id, query_terms) -> list[FoundMemory]:
        """The same candidates as with pgvector: the nearest by vector plus the newest sharing a term."""
        rows = await self._learner_rows(learner_id)
        if rows is None:
            return []
        memories = rows.memories
        cosines = np.zeros(len(memories), dtype=np.float32)
        chosen: set[int] = set()
        if query is not None:
            comparable = rows.comparable(model_id)
            if comparable is not None:
                indexes, matrix = comparable
                scores = matrix @ np.asarray(query, dtype=np.float32)
                cosines[indexes] = scores
                nearest = np.argsort(-scores)[:VECTOR_CANDIDATES]
                chosen.update(int(i) for i in indexes[nearest])
        patterns = [f" {term} " for term in query_terms]
        if patterns:
            matching = [i for i, m in enumerate(memories) if any(p in m.terms for p in patterns)]
            chosen.update(matching[-LEXICAL_CANDIDATES:])  # rows are oldest first
        return [
            FoundMemory(memories[i].id, memories[i].kind, memories[i].text, memories[i].created_at,
                        Candidate(memories[i].id, float(cosines[i]), memories[i].terms, memories[i].importance))
            for i in sorted(chosen)
        ]

    async def _learner_rows(self, learner_id: str) -> _LearnerRows | None:
        """The learner's rows with their vectors as one matrix, cached in this process.

        The cache is checked against a version on every search, one indexed query: SQLite's (count, max
        rowid), Postgres's (count and a sum of the ids' hashes: a prune plus an insert that keep the count
        still change the sum). An insert or a prune from any process changes it, so a stale matrix is never
        used. Memories are never edited.
        """
        version_sql = (
            "SELECT count(*), max(rowid) FROM memories WHERE learner_id = :learner" if not self.postgres else
            "SELECT count(*), sum(hashtext(id)::bigint) FROM memories WHERE learner_id = :learner"
        )
        async with self.connection() as connection:
            version = tuple((await connection.execute(text(version_sql), {"learner": learner_id})).one())
            cached = self._cache.get(learner_id)
            if cached is not None and cached.version == version:
                self._cache.move_to_end(learner_id)
                return cached
            if version[0] == 0:
                self._cache.pop(learner_id, None)
                return None
            statement = select(
                MemoryRow.id, MemoryRow.kind, MemoryRow.text, MemoryRow.terms, MemoryRow.importance,
                MemoryRow.created_at, MemoryRow.embedding_model, MemoryRow.embedding,
            ).where(MemoryRow.learner_id == learner_id).order_by(MemoryRow.created_at)
            rows = (await connection.execute(statement)).all()
        loaded = _LearnerRows(version, rows)
        self._cache[learner_id] = loaded
        while len(self._cache) > SQLITE_CACHE_LEARNERS:
            self._cache.popitem(last=False)
        return loaded

    async def mark_recalled(self, ids: list[str], now: float | None = None) -> None:
        if not ids:
            return
        async with self.writing() as session:
            await session.execute(
                update(MemoryRow).where(MemoryRow.id.in_(ids)).values(hits=MemoryRow.hits + 1, last_used_at=now or time.time())
            )
