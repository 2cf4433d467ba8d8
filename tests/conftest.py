"""Shared fixtures: the real Postgres and Redis the test command made sure are running.

``HABLA_TEST_DATABASE_URL`` / ``HABLA_TEST_REDIS_URL`` point at them (scripts/test.sh sets both, starting
servers when none is reachable). Every storage and bus test runs on the embedded default and on them.
"""

from __future__ import annotations

import contextlib
import os
import uuid

import pytest

# Hermetic: a model the developer pulled into .models/ must not answer for a test that configures no LLM.
os.environ["HABLA_LLM__LOCAL__AUTO_DETECT"] = "false"
PG_URL = os.environ.get("HABLA_TEST_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5433/test")  # scripts/services.sh
REDIS_URL = os.environ.get("HABLA_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


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


async def _create_pg_database(base_url: str) -> tuple[str, str]:
    import asyncpg
    from sqlalchemy.engine import make_url

    url = make_url(base_url)
    name = f"habla_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(user=url.username, password=url.password, host=url.host, port=url.port or 5432, database=url.database)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    return url.set(database=name).render_as_string(hide_password=False), name


async def _drop_pg_database(base_url: str, name: str) -> None:
    import asyncpg
    from sqlalchemy.engine import make_url

    url = make_url(base_url)
    admin = await asyncpg.connect(user=url.username, password=url.password, host=url.host, port=url.port or 5432, database=url.database)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@pytest.fixture(params=["sqlite", "postgres"])
async def database_url(request, tmp_path):
    """A fresh, empty database: a SQLite file, or a new database on the real Postgres."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'habla.db'}"
        return
    url, name = await _create_pg_database(PG_URL)
    try:
        yield url
    finally:
        await _drop_pg_database(PG_URL, name)


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
            "bus": {"namespace": namespace, "lease_ms": 1500, "block_ms": 200, "retry_backoff_ms": 20,
                    **overrides.get("bus", {})},
        }
        settings = Settings(_env_file=None, **values)
        made.append(settings)
        return settings

    yield make
    if production:
        await clear_namespace(redis_url, namespace)


def llm_settings(emulator, fast=True, smart=False, provider="openai", timeout_s=5.0, max_retries=1):
    """HABLA_LLM__* as a dict pointing at the loopback emulator."""
    def tier(name):
        return {
            "provider": provider,
            "base_url": emulator.openai_base_url if provider == "openai" else emulator.anthropic_base_url,
            "model": f"emulated-{name}",
            "api_key": "test-key",
            "timeout_s": timeout_s,
            "max_retries": max_retries,
        }
    return {"fast": tier("fast") if fast else {}, "smart": tier("smart") if smart else {}}


@pytest.fixture
def llm_emulator():
    from tests.emulators.llm import LLMEmulator

    with LLMEmulator() as emulator:
        yield emulator


async def clear_namespace(redis_url: str, namespace: str) -> None:
    """Delete every Redis key a test or benchmark made under its namespace."""
    import redis.asyncio as redis

    client = redis.from_url(redis_url)
    keys = [key async for key in client.scan_iter(f"{namespace}*")]
    if keys:
        await client.delete(*keys)
    await client.aclose()


@contextlib.asynccontextmanager
async def production_backends():
    """A fresh Postgres database and a fresh Redis namespace, removed afterwards (for benchmarks and
    multi-process tests): yields (database URL, Redis URL, namespace)."""
    url, name = await _create_pg_database(PG_URL)
    namespace = f"habla-bench-{uuid.uuid4().hex[:8]}"
    try:
        yield url, REDIS_URL, namespace
    finally:
        await _drop_pg_database(PG_URL, name)
        await clear_namespace(REDIS_URL, namespace)
