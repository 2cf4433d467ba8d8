"""Memory fixtures: a migrated database (SQLite or Postgres with pgvector) with the memory store on it."""

from __future__ import annotations

import pytest

from habla.memory.embeddings import LocalMiniLM, local_model_files


@pytest.fixture(scope="session")
def embedder():
    """The real offline model, loaded once for the whole run."""
    if local_model_files() is None:
        pytest.fail("the local embedding model is not installed: run scripts/install.sh dev")
    return LocalMiniLM()


@pytest.fixture
async def memory_env(make_settings, embedder):
    from habla.memory import Memory, build_session_store
    from habla.memory.recall import Recall
    from habla.storage.database import create_engine
    from habla.storage.store import Store

    settings = make_settings()
    store = Store(create_engine(settings.database_url))
    memory = Memory(
        sessions=build_session_store(settings), embedder=embedder, recall=Recall(store, embedder)
    )
    yield settings, store, memory
    await memory.sessions.aclose()
    await store.aclose()
