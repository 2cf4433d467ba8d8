"""The real Postgres and Redis that tests and benchmarks run against, and the settings that point Habla at
the loopback LLM emulator.

``HABLA_TEST_DATABASE_URL`` / ``HABLA_TEST_REDIS_URL`` point at the servers (scripts/test.sh sets both,
starting servers when none is reachable); the defaults are what scripts/services.sh starts.
"""

from __future__ import annotations

import contextlib
import os
import uuid

PG_URL = os.environ.get("HABLA_TEST_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5433/test")  # scripts/services.sh
REDIS_URL = os.environ.get("HABLA_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


async def create_pg_database(base_url: str) -> tuple[str, str]:
    """A new, empty database on the server of ``base_url``: returns (its URL, its name)."""
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


async def drop_pg_database(base_url: str, name: str) -> None:
    import asyncpg
    from sqlalchemy.engine import make_url

    url = make_url(base_url)
    admin = await asyncpg.connect(user=url.username, password=url.password, host=url.host, port=url.port or 5432, database=url.database)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


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
    url, name = await create_pg_database(PG_URL)
    namespace = f"habla-bench-{uuid.uuid4().hex[:8]}"
    try:
        yield url, REDIS_URL, namespace
    finally:
        await drop_pg_database(PG_URL, name)
        await clear_namespace(REDIS_URL, namespace)


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
