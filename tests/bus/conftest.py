from __future__ import annotations

from typing import AsyncIterator

import pytest

from habla_testkit.bus import Buses


@pytest.fixture(params=["memory", "redis"])
async def buses(request: pytest.FixtureRequest, redis_url: str, namespace: str) -> AsyncIterator[Buses]:
    """A bus factory for each engine: the contract tests run on both."""
    factory = Buses(request.param, redis_url, namespace)
    yield factory
    await factory.cleanup()


@pytest.fixture
async def redis_buses(redis_url: str, namespace: str) -> AsyncIterator[Buses]:
    factory = Buses("redis", redis_url, namespace)
    yield factory
    await factory.cleanup()
