"""Shared fixtures: the real Postgres and Redis the test command made sure are running.

The backends themselves live in habla_testkit.backends (benchmarks use them too); these fixtures are thin
wrappers. Every storage and bus test runs on the embedded default and on them.
"""

from __future__ import annotations

import os
import uuid

import pytest

from habla_testkit.backends import PG_URL, REDIS_URL, clear_namespace, create_pg_database, drop_pg_database

# Hermetic: a model the developer pulled into .models/ must not answer for a test that configures no LLM.
os.environ["HABLA_LLM__LOCAL__AUTO_DETECT"] = "false"


@pytest.fixture
def redis_url() -> str:
    return REDIS_URL


@pytest.fixture
def namespace() -> str:
    """A unique key prefix so tests sharing one Redis never see each other's streams."""
    return f"habla-test-{uuid.uuid4().hex[:10]}"


@pytest.fixture
def pg_url() -> str:
    return PG_URL


@pytest.fixture
def graph():
    """The WhatsApp Cloud API (Graph) emulator on loopback: what the channel sent, as the API received it."""
    from habla_testkit.emulators.graph import GraphEmulator

    with GraphEmulator() as emulator:
        yield emulator


@pytest.fixture(params=["sqlite", "postgres"])
async def database_url(request, tmp_path):
    """A fresh, empty database: a SQLite file, or a new database on the real Postgres."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'habla.db'}"
        return
    url, name = await create_pg_database(PG_URL)
    try:
        yield url
    finally:
        await drop_pg_database(PG_URL, name)


@pytest.fixture
async def make_settings(database_url, redis_url, namespace):
    """Settings for one deployment: SQLite + in-process bus, or Postgres + Redis Streams (migrated)."""
    from habla.config import Settings
    from habla.storage.database import migrate

    await migrate(database_url)
    production = "postgresql" in database_url
    made = []

    def make(**overrides):
        values = {
            "database_url": database_url,
            "redis_url": redis_url if production else None,
            **overrides,
            # merged, so a test that tunes the bus keeps its own namespace (and its clean-up)
            # onboarding questions off unless a test asks for them: the other conversation tests read plain replies
            "tutor": {"onboarding": False, **overrides.get("tutor", {})},
            "bus": {"namespace": namespace, "lease_ms": 1500, "block_ms": 200, "retry_backoff_ms": 20,
                    **overrides.get("bus", {})},
        }
        settings = Settings(_env_file=None, **values)
        made.append(settings)
        return settings

    yield make
    if production:
        await clear_namespace(redis_url, namespace)


@pytest.fixture
def llm_emulator():
    from habla_testkit.emulators.llm import LLMEmulator

    with LLMEmulator() as emulator:
        yield emulator
