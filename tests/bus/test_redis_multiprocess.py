"""Redis bus with several consumers: fair sharing, takeover after a SIGKILL, and a poison pill that kills
the worker process every time it is delivered. Child workers are real processes (``python -c``)."""

from __future__ import annotations

import asyncio
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from habla.bus.base import DeadLetter, Envelope, Subscription
from habla_testkit.bus import SETTINGS, TOPIC, Buses, running, wait_until

GROUP = "conversation"

CHILD = r"""
import asyncio, json, os, sys
import redis.asyncio as aioredis
from habla.bus.base import Subscription
from habla.bus.redis_streams import RedisStreamsBus
from habla.config import BusSettings

url, ns, topic, group, mode, settings = sys.argv[1:7]

async def main():
    bus = RedisStreamsBus(url, BusSettings(**json.loads(settings)), namespace=ns)
    log = aioredis.Redis.from_url(url, decode_responses=True)

    async def handler(env):
        await log.rpush(f"{ns}:child-seen", json.dumps([env.payload["n"], env.attempt]))
        if mode == "crash" and env.payload.get("poison"):
            os._exit(17)  # the whole worker dies mid-handler, as a segfault or an OOM kill would
        if mode == "hang" and env.payload["n"] == 3:
            await log.set(f"{ns}:child-hanging", "1")
            await asyncio.Event().wait()

    await bus.run([Subscription(topic, group, handler)])

asyncio.run(main())
"""


async def start_child(buses: Buses, mode: str, stderr: Path) -> asyncio.subprocess.Process:
    with stderr.open("ab") as err:
        return await asyncio.create_subprocess_exec(
            sys.executable, "-c", CHILD, buses.redis_url, buses.namespace, TOPIC, GROUP, mode,
            SETTINGS.model_dump_json(), stdout=asyncio.subprocess.DEVNULL, stderr=err,
        )


async def child_seen(buses: Buses) -> list[tuple[int, int]]:
    client = buses.client()
    try:
        return [tuple(json.loads(item)) for item in await client.lrange(f"{buses.namespace}:child-seen", 0, -1)]
    finally:
        await client.aclose()


async def lease_owners(buses: Buses) -> Counter[str]:
    client = buses.client()
    try:
        keys = [f"{buses.namespace}:lease:{GROUP}:{TOPIC}:{s}" for s in range(SETTINGS.shards)]
        return Counter(owner for owner in await client.mget(keys) if owner)
    finally:
        await client.aclose()


async def kill(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        process.kill()
    await asyncio.wait_for(process.wait(), 10)


async def test_two_consumers_share_shards_fairly_and_handle_everything_once(redis_buses: Buses) -> None:
    first, second = redis_buses(consumer_name="worker-a"), redis_buses(consumer_name="worker-b")
    handled: list[tuple[str, str, int, str]] = []
    keys = [f"learner-{i}" for i in range(10)]

    def handler_for(name: str) -> Any:
        async def handler(env: Envelope) -> None:
            await asyncio.sleep(0.001)
            handled.append((name, env.key, env.payload["n"], env.id))
        return handler

    async def publish(numbers: range) -> None:
        for n in numbers:
            for key in keys:
                await first.publish(TOPIC, key, {"n": n})

    async with running(first, [Subscription(TOPIC, GROUP, handler_for("a"))]):
        await publish(range(0, 10))
        async with running(second, [Subscription(TOPIC, GROUP, handler_for("b"))]):
            # Published while the second consumer joins: shards change hands mid-stream.
            await publish(range(10, 20))
            await wait_until(lambda: first.owned_shards(TOPIC, GROUP) and second.owned_shards(TOPIC, GROUP)
                             and len(first.owned_shards(TOPIC, GROUP)) == len(second.owned_shards(TOPIC, GROUP)),
                             what="an even split of the shards")
            assert await lease_owners(redis_buses) == Counter({"worker-a": 2, "worker-b": 2})
            await publish(range(20, 30))
            await wait_until(lambda: len(handled) >= 300, what="all 300 messages")
            await asyncio.sleep(0.3)  # room for a duplicate to show up
    assert len(handled) == 300
    assert Counter(message_id for *_, message_id in handled).most_common(1)[0][1] == 1
    for key in keys:
        assert [n for _, k, n, _ in handled if k == key] == list(range(30))
    assert {name for name, *_ in handled} == {"a", "b"}


@pytest.mark.slow
async def test_sigkilled_owner_is_taken_over_and_its_unacked_message_redone(redis_buses: Buses, tmp_path: Path) -> None:
    publisher = redis_buses()
    for n in range(10):
        await publisher.publish(TOPIC, "learner-1", {"n": n})
    child = await start_child(redis_buses, "hang", tmp_path / "child.err")
    try:
        client = redis_buses.client()
        await wait_until(lambda: client.exists(f"{redis_buses.namespace}:child-hanging"), what="child mid-handler")
        await client.aclose()
    finally:
        await kill(child)  # SIGKILL: no lease released, message 3 neither acked nor failed

    survivor = redis_buses(consumer_name="survivor")
    seen: list[tuple[int, int]] = []

    async def handler(env: Envelope) -> None:
        seen.append((env.payload["n"], env.attempt))

    async with running(survivor, [Subscription(TOPIC, GROUP, handler)]):
        await wait_until(lambda: len(seen) >= 7, what="the survivor to catch up")
    assert await child_seen(redis_buses) == [(0, 1), (1, 1), (2, 1), (3, 1)]
    assert seen == [(3, 2)] + [(n, 1) for n in range(4, 10)]
    assert await publisher.dead_letters(TOPIC) == []


@pytest.mark.slow
async def test_poison_pill_that_kills_every_worker_ends_in_dead_letters(redis_buses: Buses, tmp_path: Path) -> None:
    bus = redis_buses()
    poison_id = await bus.publish(TOPIC, "learner-1", {"n": 0, "poison": True})
    await bus.publish(TOPIC, "learner-1", {"n": 1})
    crashes = 0
    child = None
    try:
        for _ in range(SETTINGS.max_deliveries + 1):
            child = await start_child(redis_buses, "crash", tmp_path / "child.err")
            # Each child waits out the dead one's lease, then either dies on the poison or dead-letters it.
            await wait_until(lambda: child.returncode is not None or bus.dead_letters(TOPIC), timeout=30,
                             what="the child to crash or dead-letter the poison")
            if child.returncode is None:
                break
            crashes += 1
        await wait_until(lambda: _seen_number(redis_buses, 1), what="the message after the poison")
    finally:
        if child is not None:
            await kill(child)
    assert crashes == SETTINGS.max_deliveries
    [letter] = await bus.dead_letters(TOPIC)
    assert isinstance(letter, DeadLetter)
    assert (letter.id, letter.payload, letter.attempt, letter.group) == (
        poison_id, {"n": 0, "poison": True}, SETTINGS.max_deliveries, GROUP
    )
    assert "crashed" in letter.error
    assert [n for n, _ in await child_seen(redis_buses)] == [0] * SETTINGS.max_deliveries + [1]


async def _seen_number(buses: Buses, number: int) -> bool:
    return any(n == number for n, _ in await child_seen(buses))
