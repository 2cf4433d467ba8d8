"""The bus contract, run on both engines, plus Redis-only details of one process.

Several consumers, lease takeover and crashing processes are in ``test_redis_multiprocess.py``.

No timing assertions: every wait is a bounded wait-until on an observable outcome.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
from collections import defaultdict
from typing import Any, Callable

import pytest

from habla.bus.base import DeadLetter, Envelope, Subscription, shard_of
from habla.bus.redis_streams import RedisStreamsBus
from habla.errors import BusError
from habla_testkit.bus import SETTINGS, TOPIC, Buses, keys_on_distinct_shards, running, wait_until


# -- the contract -------------------------------------------------------------------------------------------


async def test_roundtrip_including_messages_published_before_run(buses: Buses) -> None:
    bus = buses()
    seen: list[Envelope] = []

    async def handler(env: Envelope) -> None:
        seen.append(env)

    early = await bus.publish(TOPIC, "learner-1", {"text": "hola", "n": 1})
    async with running(bus, [Subscription(TOPIC, "conversation", handler)]):
        late = await bus.publish(TOPIC, "learner-1", {"text": "¿qué tal?", "n": 2})
        await wait_until(lambda: len(seen) == 2, what="both messages")
    assert [(e.id, e.topic, e.key, e.payload, e.attempt) for e in seen] == [
        (early, TOPIC, "learner-1", {"text": "hola", "n": 1}, 1),
        (late, TOPIC, "learner-1", {"text": "¿qué tal?", "n": 2}, 1),
    ]


async def test_per_key_order_with_random_handler_delays(buses: Buses) -> None:
    bus = buses()
    keys = [f"learner-{i}" for i in range(20)]
    seen: dict[str, list[int]] = defaultdict(list)
    rng = random.Random(7)

    async def handler(env: Envelope) -> None:
        await asyncio.sleep(rng.uniform(0, 0.003))
        seen[env.key].append(env.payload["n"])

    for n in range(15):
        for key in keys:
            await bus.publish(TOPIC, key, {"n": n})
    async with running(bus, [Subscription(TOPIC, "conversation", handler)]):
        for n in range(15, 30):
            for key in keys:
                await bus.publish(TOPIC, key, {"n": n})
        await wait_until(lambda: sum(map(len, seen.values())) >= 600, timeout=60, what="600 messages")
    assert {key: seen[key] for key in keys} == {key: list(range(30)) for key in keys}


async def test_shards_progress_concurrently(buses: Buses) -> None:
    bus = buses()
    slow_key, fast_key = keys_on_distinct_shards(SETTINGS.shards)
    fast_started = asyncio.Event()
    outcome: dict[str, bool] = {}

    async def handler(env: Envelope) -> None:
        if env.key == slow_key:
            # Completes only if the other shard's handler runs while this one is still waiting.
            try:
                await asyncio.wait_for(fast_started.wait(), 10)
                outcome["slow"] = True
            except asyncio.TimeoutError:
                outcome["slow"] = False
        else:
            fast_started.set()
            outcome["fast"] = True

    async with running(bus, [Subscription(TOPIC, "conversation", handler)]):
        await bus.publish(TOPIC, slow_key, {})
        await bus.publish(TOPIC, fast_key, {})
        await wait_until(lambda: len(outcome) == 2, what="both handlers")
    assert outcome == {"slow": True, "fast": True}


async def test_failing_handler_is_retried_with_increasing_attempt(buses: Buses) -> None:
    bus = buses()
    attempts: list[int] = []

    async def handler(env: Envelope) -> None:
        attempts.append(env.attempt)
        if env.attempt < 3:
            raise RuntimeError("transient")

    async with running(bus, [Subscription(TOPIC, "conversation", handler)]):
        await bus.publish(TOPIC, "learner-1", {"n": 1})
        await wait_until(lambda: attempts[-1:] == [3], what="third attempt")
    assert attempts == [1, 2, 3]
    assert await bus.dead_letters(TOPIC) == []


async def test_always_failing_message_is_dead_lettered_and_the_shard_moves_on(buses: Buses) -> None:
    bus = buses()
    poison_attempts: list[int] = []
    handled: list[int] = []

    async def handler(env: Envelope) -> None:
        if env.payload.get("poison"):
            poison_attempts.append(env.attempt)
            raise ValueError("cannot parse this turn")
        handled.append(env.payload["n"])

    poison_id = await bus.publish(TOPIC, "learner-1", {"poison": True, "n": -1})
    for n in range(5):
        await bus.publish(TOPIC, "learner-1", {"n": n})
    async with running(bus, [Subscription(TOPIC, "conversation", handler)]):
        await wait_until(lambda: len(handled) == 5, what="messages after the poison one")
        dead = await bus.dead_letters(TOPIC)
    assert poison_attempts == [1, 2, 3]
    assert handled == [0, 1, 2, 3, 4]
    assert len(dead) == 1
    letter = dead[0]
    assert isinstance(letter, DeadLetter)
    assert (letter.id, letter.key, letter.payload, letter.attempt, letter.group) == (
        poison_id, "learner-1", {"poison": True, "n": -1}, 3, "conversation"
    )
    assert "ValueError" in letter.error and "cannot parse this turn" in letter.error


async def test_forget_key_erases_that_keys_dead_letters_only(buses: Buses) -> None:
    bus = buses()

    async def handler(env: Envelope) -> None:
        if env.payload.get("poison"):
            raise ValueError("poison")

    for key in ("learner-1", "learner-2"):
        await bus.publish(TOPIC, key, {"poison": True, "text": f"secret of {key}"})
    async with running(bus, [Subscription(TOPIC, "conversation", handler)]):
        await wait_until(lambda: _dead_count(bus, 2), what="both dead letters")
        assert await bus.live_consumers() == {"conversation": 1}
        assert await bus.forget_key("learner-1") >= 1
        assert [letter.key for letter in await bus.dead_letters(TOPIC)] == ["learner-2"]
        assert await bus.forget_key("learner-1") == 0  # idempotent


async def _dead_count(bus, expected: int) -> bool:
    return len(await bus.dead_letters(TOPIC)) == expected


async def test_groups_each_get_everything_and_one_group_twice_shares(buses: Buses) -> None:
    bus = buses()
    memory_seen: list[str] = []
    conversation_seen: list[tuple[str, str, int]] = []

    def record(tag: str) -> Callable[[Envelope], Any]:
        async def handler(env: Envelope) -> None:
            await asyncio.sleep(0.001)
            conversation_seen.append((tag, env.key, env.payload["n"]))
        return handler

    async def memory_handler(env: Envelope) -> None:
        memory_seen.append(env.id)

    subs = [Subscription(TOPIC, "memory", memory_handler),
            Subscription(TOPIC, "conversation", record("a")), Subscription(TOPIC, "conversation", record("b"))]
    ids = []
    async with running(bus, subs):
        for n in range(10):
            for key in ("ana", "ben", "carla", "dev", "eli"):
                ids.append(await bus.publish(TOPIC, key, {"n": n}))
        await wait_until(lambda: len(memory_seen) == 50 and len(conversation_seen) >= 50, what="both groups")
        await asyncio.sleep(0.2)  # let any duplicate show up
    assert sorted(memory_seen) == sorted(ids)
    assert len(conversation_seen) == 50
    for key in ("ana", "ben", "carla", "dev", "eli"):
        assert [n for _, k, n in conversation_seen if k == key] == list(range(10))


async def test_publish_rejects_payloads_that_are_not_json(buses: Buses) -> None:
    bus = buses()
    with pytest.raises(BusError):
        await bus.publish(TOPIC, "learner-1", {"when": object()})


async def test_aclose_lets_a_quick_handler_finish(buses: Buses) -> None:
    bus = buses()
    started, finished = asyncio.Event(), []

    async def handler(env: Envelope) -> None:
        started.set()
        await asyncio.sleep(0.2)
        finished.append(env.id)

    task = asyncio.create_task(bus.run([Subscription(TOPIC, "conversation", handler)]))
    message_id = await bus.publish(TOPIC, "learner-1", {})
    await asyncio.wait_for(started.wait(), 15)
    await bus.aclose()
    await asyncio.wait_for(task, 15)
    assert finished == [message_id]


# -- Redis only ---------------------------------------------------------------------------------------------


async def test_redis_publish_lands_on_the_keys_shard(redis_buses: Buses, namespace: str) -> None:
    bus = redis_buses()
    message_id = await bus.publish(TOPIC, "learner-42", {"n": 1})
    client = redis_buses.client()
    entries = await client.xrange(f"{namespace}:stream:{TOPIC}:{shard_of('learner-42', SETTINGS.shards)}")
    await client.aclose()
    shard = shard_of("learner-42", SETTINGS.shards)
    assert entries == [(message_id.removeprefix(f"{shard}:"), {"k": "learner-42", "p": json.dumps({"n": 1}, separators=(",", ":"))})]


async def test_redis_publish_raises_bus_error_when_unreachable() -> None:
    bus = RedisStreamsBus("redis://127.0.0.1:1/0", SETTINGS, namespace="unreachable")
    try:
        with pytest.raises(BusError):
            await bus.publish(TOPIC, "learner-1", {"n": 1})
    finally:
        await bus.aclose()


async def test_redis_handler_cancelled_by_aclose_is_redelivered(redis_buses: Buses) -> None:
    first = redis_buses(close_grace_s=0.1)
    started, seen = asyncio.Event(), []

    async def hang(env: Envelope) -> None:
        started.set()
        await asyncio.Event().wait()

    async def record(env: Envelope) -> None:
        seen.append((env.payload["n"], env.attempt))

    async with running(first, [Subscription(TOPIC, "conversation", hang)]):
        await first.publish(TOPIC, "learner-1", {"n": 1})
        await asyncio.wait_for(started.wait(), 15)
    second = redis_buses()
    async with running(second, [Subscription(TOPIC, "conversation", record)]):
        await wait_until(lambda: seen, what="redelivery")
    assert seen == [(1, 2)]


async def test_redis_consumer_survives_its_connections_being_killed(redis_buses: Buses) -> None:
    bus = redis_buses(consumer_name="flaky-network")
    seen: list[int] = []

    async def handler(env: Envelope) -> None:
        seen.append(env.payload["n"])

    admin = redis_buses.client()
    async with running(bus, [Subscription(TOPIC, "conversation", handler)]):
        await bus.publish(TOPIC, "learner-1", {"n": 0})
        await wait_until(lambda: seen == [0], what="the first message")
        ours = [c["id"] for c in await admin.client_list() if c.get("name") == "habla-bus:flaky-network"]
        assert ours
        for client_id in ours:
            await admin.client_kill_filter(_id=client_id)
        for n in range(1, 6):
            await bus.publish(TOPIC, "learner-1", {"n": n})
        await wait_until(lambda: len(seen) >= 6, what="messages after the connections died")
    await admin.aclose()
    assert seen == list(range(6))


async def test_logs_above_debug_carry_neither_the_key_nor_the_text(
    buses: Buses, caplog: pytest.LogCaptureFixture
) -> None:
    bus = buses()
    phone, text = "+34600111222", "mi contraseña es gato"

    async def handler(env: Envelope) -> None:
        raise ValueError(f"could not answer {env.payload['text']!r} from {env.key}")

    caplog.set_level(logging.DEBUG, logger="habla")
    async with running(bus, [Subscription(TOPIC, "conversation", handler)]):
        await bus.publish(TOPIC, phone, {"text": text})
        await wait_until(lambda: bus.dead_letters(TOPIC), what="the dead letter")
    loud = [r.getMessage() for r in caplog.records if r.levelno >= logging.INFO]
    assert loud and not [m for m in loud if phone in m or text in m]
