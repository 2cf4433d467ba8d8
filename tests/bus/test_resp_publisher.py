"""The lean XADD publisher against the real Redis: replies in order, errors, lost connections, URLs."""

from __future__ import annotations

import asyncio

import pytest
import redis.asyncio as redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError

from habla.bus.resp_publisher import RespPublisher


async def test_concurrent_xadds_get_their_own_ids_in_order(redis_url, namespace):
    publisher = RespPublisher.for_url(redis_url)
    client = redis.from_url(redis_url, decode_responses=True)
    stream = f"{namespace}:s"
    try:
        ids = await asyncio.gather(*[publisher.xadd(stream, {"k": f"key{i}", "p": "é" * i}, 1000) for i in range(200)])
        entries = await client.xrange(stream)
        assert [entry_id for entry_id, _ in entries] == ids  # each caller got the id of its own entry
        assert [fields["k"] for _, fields in entries] == [f"key{i}" for i in range(200)]
        assert entries[7][1]["p"] == "é" * 7
    finally:
        await publisher.aclose()
        await client.delete(stream)
        await client.aclose()


async def test_error_reply_raises_and_the_connection_stays_usable(redis_url, namespace):
    publisher = RespPublisher.for_url(redis_url)
    client = redis.from_url(redis_url, decode_responses=True)
    try:
        await client.set(f"{namespace}:plain", "x")
        with pytest.raises(ResponseError, match="WRONGTYPE"):
            await publisher.xadd(f"{namespace}:plain", {"k": "a"}, 10)
        assert await publisher.xadd(f"{namespace}:s", {"k": "b"}, 10)
    finally:
        await publisher.aclose()
        await client.delete(f"{namespace}:plain", f"{namespace}:s")
        await client.aclose()


async def test_a_killed_connection_fails_loudly_then_reconnects(redis_url, namespace):
    publisher = RespPublisher.for_url(redis_url)
    client = redis.from_url(redis_url, decode_responses=True)
    try:
        await publisher.xadd(f"{namespace}:s", {"k": "a"}, 10)
        host, port = publisher._protocol.transport.get_extra_info("sockname")[:2]
        await client.execute_command("CLIENT", "KILL", "ADDR", f"{host}:{port}")  # only the publisher's
        await asyncio.sleep(0.1)
        assert await publisher.xadd(f"{namespace}:s", {"k": "b"}, 10)  # a fresh connection
        assert await client.xlen(f"{namespace}:s") == 2
    finally:
        await publisher.aclose()
        await client.delete(f"{namespace}:s")
        await client.aclose()


async def test_unreachable_redis_raises_connection_error():
    publisher = RespPublisher.for_url("redis://127.0.0.1:1/0")
    with pytest.raises(RedisConnectionError):
        await publisher.xadd("s", {"k": "a"}, 10)


def test_only_plain_redis_urls_take_the_fast_path():
    assert RespPublisher.for_url("redis://127.0.0.1:6379/2")._db == 2
    assert RespPublisher.for_url("redis://:s3cret@cache:6380")._auth == ["s3cret"]
    assert RespPublisher.for_url("redis://user:pw@cache/0")._auth == ["user", "pw"]
    assert RespPublisher.for_url("rediss://cache:6380/0") is None
    assert RespPublisher.for_url("unix:///run/redis.sock") is None
    assert RespPublisher.for_url("redis://cache/0?socket_timeout=3") is None
