"""Helpers shared by the bus tests: bounded waits, a running-bus context, and bus factories that clean up."""

from __future__ import annotations

import asyncio
import json
from contextlib import asynccontextmanager
from typing import Any, AsyncIterator, Callable

import redis.asyncio as aioredis

from habla.bus.base import Subscription, shard_of
from habla.bus.in_process import InProcessBus
from habla.bus.redis_streams import RedisStreamsBus
from habla.config import BusSettings

SETTINGS = BusSettings(shards=4, max_deliveries=3, lease_ms=600, block_ms=100, retry_backoff_ms=10)
TOPIC = "inbound"


async def wait_until(predicate: Callable[[], Any], timeout: float = 20.0, what: str = "condition") -> None:
    """Polls until the predicate (sync or async) is truthy; fails the test after ``timeout`` seconds."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = predicate()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


async def published_and_drained(redis: aioredis.Redis, namespace: str,
                                first_chunk: Callable[[str], bool]) -> tuple[list[str], bool]:
    """On a Redis Streams deployment: the address of every outbound message on the streams whose first chunk
    ``first_chunk`` accepts (one entry per publish, repeats included), and whether every consumer group has
    handled all of its stream (nothing unread, nothing unacknowledged). Once drained, the sender has judged
    every publish, repeats too, so what the channel received is final."""
    published, drained = [], True
    async for key in redis.scan_iter(match=f"{namespace}:stream:*"):
        for _entry_id, fields in await redis.xrange(key):
            payload = json.loads(fields[b"p"] if b"p" in fields else fields["p"])
            if isinstance(payload, dict) and first_chunk((payload.get("chunks") or [""])[0]):
                published.append(payload["address"])
        for group in await redis.xinfo_groups(key):
            drained = drained and group["pending"] == 0 and group.get("lag") == 0
    return published, drained


@asynccontextmanager
async def running(bus: Any, subs: list[Subscription]) -> AsyncIterator[asyncio.Task[None]]:
    task = asyncio.create_task(bus.run(subs))
    try:
        yield task
    finally:
        await bus.aclose()
        await asyncio.wait_for(task, 15)


def keys_on_distinct_shards(shards: int) -> tuple[str, str]:
    first = "learner-0"
    other = next(f"learner-{i}" for i in range(1, 100) if shard_of(f"learner-{i}", shards) != shard_of(first, shards))
    return first, other


class Buses:
    """Creates buses of one engine and closes them (and deletes the Redis namespace) after the test."""

    def __init__(self, engine: str, redis_url: str, namespace: str) -> None:
        self.engine, self.redis_url, self.namespace = engine, redis_url, namespace
        self.created: list[Any] = []

    def __call__(self, settings: BusSettings = SETTINGS, **kwargs: Any) -> Any:
        if self.engine == "memory":
            bus: Any = InProcessBus(settings, **kwargs)
        else:
            bus = RedisStreamsBus(self.redis_url, settings, namespace=self.namespace, **kwargs)
        self.created.append(bus)
        return bus

    def client(self) -> aioredis.Redis:
        return aioredis.Redis.from_url(self.redis_url, decode_responses=True)

    async def cleanup(self) -> None:
        for bus in self.created:
            await bus.aclose()
        if self.engine == "redis":
            client = self.client()
            keys = [k async for k in client.scan_iter(match=f"{self.namespace}:*")]
            if keys:
                await client.delete(*keys)
            await client.aclose()
