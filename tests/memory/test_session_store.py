"""Both session stores: last N messages, errors, running summary, TTL, and no resurrection after clear."""

from __future__ import annotations

import pytest

from habla.memory.session import LocalSessionStore
from habla.memory.session_redis import RedisSessionStore


@pytest.fixture(params=["local", "redis"])
async def store(request, redis_url, namespace):
    if request.param == "local":
        made = LocalSessionStore(max_messages=4, ttl_s=60)
    else:
        made = RedisSessionStore(redis_url, namespace, max_messages=4, ttl_s=60)
    yield made
    if request.param == "redis":
        keys = [key async for key in made.redis.scan_iter(f"{namespace}*")]
        if keys:
            await made.redis.delete(*keys)
    await made.aclose()


async def test_keeps_the_last_messages_in_order_with_errors_and_summary(store):
    assert await store.record("L1", [("user", "uno"), ("assistant", "dos")], ["soy cansado → estoy cansado"], 100.0) is None
    assert await store.record("L1", [("user", "tres / ñ"), ("assistant", "cuatro"), ("user", "cinco")], [], 105.0) == 100.0
    assert await store.update("L1", summary="They said hello.", summary_upto=2, topic="saludos")
    state = await store.load("L1")
    assert [(m.seq, m.text) for m in state.messages] == [(2, "dos"), (3, "tres / ñ"), (4, "cuatro"), (5, "cinco")]
    assert [m.text for m in state.unsummarised()] == ["tres / ñ", "cuatro", "cinco"]
    assert state.errors == ["soy cansado → estoy cansado"] and state.topic == "saludos"
    assert state.summary == "They said hello." and state.last_at == 105.0


async def test_learners_do_not_share_sessions(store):
    await store.record("L1", [("user", "mío")], [], 1.0)
    assert (await store.load("L2")).messages == []


async def test_update_never_creates_and_clear_removes(store):
    assert not await store.update("L3", summary="late write from the memory agent")
    assert (await store.load("L3")).last_at is None
    await store.record("L3", [("user", "hola")], [], 1.0)
    await store.clear("L3")
    assert not await store.update("L3", summary="late write after forget")
    assert (await store.load("L3")).messages == []


async def test_pending_fields_can_be_unset(store):
    await store.record("L4", [], [], 1.0)
    await store.update("L4", pending="forget:es", pending_until=50.0)
    assert (await store.load("L4")).pending == "forget:es"
    await store.update("L4", pending=None, pending_until=0)
    assert (await store.load("L4")).pending is None


async def test_sessions_expire_after_the_ttl():
    now = [1000.0]
    store = LocalSessionStore(max_messages=4, ttl_s=60, clock=lambda: now[0])
    await store.record("L1", [("user", "hola")], [], now[0])
    now[0] += 59
    assert (await store.load("L1")).messages
    now[0] += 2
    assert (await store.load("L1")).messages == []


async def test_redis_keys_carry_the_ttl_and_no_phone_number(redis_url, namespace):
    store = RedisSessionStore(redis_url, namespace, max_messages=20, ttl_s=86400)
    try:
        await store.record("learner-id-1", [("user", "hola"), ("assistant", "¡hola!")], [], 1.0)
        keys = sorted([key async for key in store.redis.scan_iter(f"{namespace}*")])
        assert keys == [f"{namespace}:session:learner-id-1", f"{namespace}:session:learner-id-1:log"]
        for key in keys:
            assert 86000 < await store.redis.ttl(key) <= 86400
    finally:
        await store.clear("learner-id-1")
        await store.aclose()


async def test_expired_sessions_do_not_pile_up_in_the_process():
    now = [0.0]
    store = LocalSessionStore(max_messages=4, ttl_s=60, clock=lambda: now[0])
    await store.record("active", [("user", "hola")], [], now[0])
    for n in range(500):
        now[0] += 1
        await store.record(f"once-{n}", [("user", "hola")], [], now[0])
        await store.record("active", [("user", "sigo aquí")], [], now[0])
    assert len(store._sessions) <= 62  # only the last minute's sessions are held
    assert (await store.load("active")).messages
