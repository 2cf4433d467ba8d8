"""Habla on a stock Postgres without pgvector (issue 9, item 13): `habla migrate` works, recall is exact in
Python over the stored vectors, `habla doctor` says pgvector would be faster; and a database problem is one
line and exit 1, not a traceback. Uses the machine's own PostgreSQL (Debian's, no pgvector) when reachable."""

from __future__ import annotations

import os
import time

import numpy as np
import pytest

from habla.storage.memories import NewMemory
from habla.storage.database import create_engine
from habla.storage.store import Store
from habla_testkit.backends import create_pg_database, drop_pg_database
from habla_testkit.processes import habla_env, run_habla

STOCK_URL = os.environ.get("HABLA_TEST_STOCK_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")


async def _stock_server_reachable() -> bool:
    import asyncpg
    from sqlalchemy.engine import make_url

    url = make_url(STOCK_URL)
    try:
        connection = await asyncpg.connect(user=url.username, password=url.password, host=url.host, port=url.port,
                                           database=url.database, timeout=3)
    except (OSError, asyncpg.PostgresError):
        return False
    try:
        return not await connection.fetchval("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'")
    finally:
        await connection.close()


@pytest.fixture
async def stock_database():
    if not await _stock_server_reachable():
        pytest.skip("no Postgres without pgvector at HABLA_TEST_STOCK_DATABASE_URL")
    url, name = await create_pg_database(STOCK_URL)
    try:
        yield url
    finally:
        await drop_pg_database(STOCK_URL, name)


async def test_migrate_recall_and_doctor_on_postgres_without_pgvector(stock_database, tmp_path):
    env = habla_env(HABLA_DATABASE_URL=stock_database, HABLA_LLM__FAST__MODEL="", HABLA_EMBEDDINGS__PROVIDER="none",
                    HABLA_VOICE__MODEL=str(tmp_path / "no-model"))  # doctor skips the speech model test
    migrated = run_habla("migrate", env=env, cwd=tmp_path)
    assert migrated.returncode == 0, migrated.stderr.decode()[-2000:]
    engine = create_engine(stock_database)
    store = memory = Store(engine)
    try:
        assert not await memory.uses_pgvector()
        learner = await store.learner("simulator", "ana")
        other = await store.learner("simulator", "bea")
        rng = np.random.default_rng(3)
        vectors = rng.normal(size=(60, 384)).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        memories = [NewMemory(id=f"m{i:03d}", learner_id=(learner if i < 50 else other).id, kind="moment",
                              text=f"note {i}", terms=f" note{i} ", importance=1.0, created_at=time.time() + i,
                              embedding=vectors[i], embedding_model="test") for i in range(60)]
        await memory.add_memories(memories, 1000)
        query = vectors[7] + 0.05 * vectors[8]
        found = await memory.candidates(learner.id, query, "test", set())
        assert found and all(f.id < "m050" for f in found)  # only this learner's memories
        best = max(found, key=lambda f: f.candidate.cosine)
        assert best.id == "m007"
        expected = float(vectors[7] @ (query / 1.0))
        assert abs(best.candidate.cosine - expected) < 1e-4  # exact cosine, as numpy computes it
        await memory.add_memories([NewMemory(id="m999", learner_id=learner.id, kind="moment", text="new", terms=" new ",
                                             importance=1.0, created_at=time.time() + 99, embedding=query,
                                             embedding_model="test")], 1000)
        again = await memory.candidates(learner.id, query, "test", set())
        assert max(again, key=lambda f: f.candidate.cosine).id == "m999"  # the cache saw the new row
    finally:
        await engine.dispose()
    doctor = run_habla("doctor", env=env, cwd=tmp_path)
    out = doctor.stdout.decode()
    assert "pgvector would be faster" in out and "[warn] vectors" in out, out


def test_migrate_errors_are_one_line_and_exit_1(tmp_path):
    env = habla_env(HABLA_DATABASE_URL="postgresql+asyncpg://habla@127.0.0.1:9/nowhere")
    result = run_habla("migrate", env=env, cwd=tmp_path)
    err = result.stderr.decode().strip()
    assert result.returncode == 1 and len(err.splitlines()) == 1, err[-3000:]
    assert err.startswith("habla migrate:") and "HABLA_DATABASE_URL" in err
