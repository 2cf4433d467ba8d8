"""The production bus: Redis Streams with Kafka-style shard ownership.

Layout, under one namespace ``ns``:

    {ns}:stream:{topic}:{shard}          the messages (fields ``k`` key, ``p`` JSON payload), MAXLEN ~ stream_maxlen
    {ns}:lease:{group}:{topic}:{shard}   which consumer owns the shard for the group (expires after lease_ms)
    {ns}:members:{group}:{topic}         ZSET of live consumers (heartbeat times) that sets the fair share
    {ns}:attempts:{group}:{topic}        HASH message id -> deliveries started, so crashes count too
    {ns}:dead:{topic}                    dead letters: p, k, error, id (original), group, attempts

A message id is ``"{shard}:{stream entry id}"``: entry ids alone repeat across the shard streams of a topic.

Each subscription group is a Redis consumer group on every shard stream. A shard is processed by whichever
consumer holds its lease, one entry at a time, so one learner's messages are handled in order across any
number of processes, and a dead process's shards move to a live one after ``lease_ms``. See
``redis_consumer`` for the consuming side and ``redis_leases`` for the ownership scripts.

``consumer_name`` must be unique among live processes; the default (host, pid, random) is. A restarted
process that reuses a stable name gets its own leases back immediately instead of waiting for expiry.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import secrets
import socket
from collections import Counter
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialWithJitterBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

from habla.backoff import backoff_s
from habla.bus.base import DeadLetter, Envelope, Subscription, shard_of
from habla.bus.redis_consumer import SubscriptionConsumer
from habla.bus.redis_leases import Keys, message_id
from habla.bus.resp_publisher import RespPublisher
from habla.bus.workers import DEFAULT_CLOSE_GRACE_S, encode_payload
from habla.config import BusSettings
from habla.errors import BusError

logger = logging.getLogger(__name__)

PUBLISH_ATTEMPTS = 3
FORGET_PAGE = 500  # entries read per XRANGE while erasing a key
_UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)


def default_consumer_name() -> str:
    return f"{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(3)}"


class RedisStreamsBus:
    def __init__(
        self,
        url: str,
        settings: BusSettings,
        namespace: str = "habla",
        consumer_name: str | None = None,
        close_grace_s: float = DEFAULT_CLOSE_GRACE_S,
    ) -> None:
        self._settings = settings
        self._shards = max(settings.shards, 1)
        self._keys = Keys(namespace)
        self._close_grace_s = close_grace_s
        self.consumer_name = consumer_name or default_consumer_name()
        self._redis = Redis.from_url(
            url,
            decode_responses=True,
            socket_connect_timeout=2.0,
            # Longer than a blocking XREADGROUP, short enough that a dead connection is noticed.
            socket_timeout=max(settings.block_ms, 0) / 1000 + 10.0,
            socket_keepalive=True,
            # The client's default (10 retries) would hide an outage for seconds; our loops retry instead.
            retry=Retry(ExponentialWithJitterBackoff(base=0.05, cap=0.5), 2),
            # Named connections: an operator can see (and kill) one worker's connections in CLIENT LIST.
            client_name=re.sub(r"[^A-Za-z0-9._:-]", "_", f"habla-bus:{self.consumer_name}"),
        )
        # The hot path (webhooks publishing) skips redis-py when the URL is a plain redis:// one.
        self._fast = RespPublisher.for_url(url)
        self._closing = asyncio.Event()
        self._closed = False
        self._runs: set[asyncio.Event] = set()
        self._member_counts: Counter[tuple[str, str]] = Counter()
        self._consumers: list[SubscriptionConsumer] = []

    async def publish(self, topic: str, key: str, payload: dict[str, Any]) -> str:
        if self._closing.is_set():
            raise BusError("bus is closed")
        data = encode_payload(payload)
        shard = shard_of(key, self._shards)
        stream = self._keys.stream(topic, shard)
        last_error: BaseException | None = None
        for attempt in range(PUBLISH_ATTEMPTS):
            try:
                if self._fast is not None:
                    entry_id = await self._fast.xadd(stream, {"k": key, "p": data}, self._settings.stream_maxlen)
                else:
                    entry_id = await self._redis.xadd(
                        stream, {"k": key, "p": data}, maxlen=self._settings.stream_maxlen, approximate=True
                    )
                return message_id(shard, str(entry_id))
            except _UNREACHABLE as exc:
                last_error = exc
                await asyncio.sleep(backoff_s(attempt, 0.05, 1.0))
            except RedisError as exc:
                raise BusError(f"Redis refused to store a message on {topic!r}: {exc}") from exc
        raise BusError(f"Redis is unreachable; could not publish on {topic!r}: {last_error}") from last_error

    async def run(self, subscriptions: list[Subscription]) -> None:
        if self._closing.is_set():
            raise BusError("bus is closed")
        consumers = [
            SubscriptionConsumer(self._redis, self._keys, sub, self._member_name(sub), self._settings,
                                 self._close_grace_s)
            for sub in subscriptions
        ]
        finished = asyncio.Event()
        self._runs.add(finished)
        self._consumers.extend(consumers)
        try:
            for consumer in consumers:
                consumer.start()
            await self._closing.wait()
        finally:
            await asyncio.gather(*(c.stop() for c in consumers), return_exceptions=True)
            self._consumers = [c for c in self._consumers if c not in consumers]
            self._runs.discard(finished)
            finished.set()

    def _member_name(self, sub: Subscription) -> str:
        # The same group subscribed twice in one process needs two member names, or both would think they
        # hold the same leases.
        index = self._member_counts[(sub.topic, sub.group)]
        self._member_counts[(sub.topic, sub.group)] += 1
        return self.consumer_name if index == 0 else f"{self.consumer_name}~{index}"

    def owned_shards(self, topic: str, group: str) -> list[int]:
        """Shards this process currently processes for (topic, group): for `habla doctor` and tests."""
        owned: set[int] = set()
        for consumer in self._consumers:
            if consumer.topic == topic and consumer.group == group:
                owned.update(consumer.owned_shards())
        return sorted(owned)

    async def dead_letters(self, topic: str) -> list[Envelope]:
        try:
            entries = await self._redis.xrange(self._keys.dead(topic))
        except _UNREACHABLE as exc:
            raise BusError(f"Redis is unreachable; could not read dead letters of {topic!r}: {exc}") from exc
        return [_dead_letter(topic, fields) for _, fields in entries]

    async def live_consumers(self) -> dict[str, int]:
        """Per group, the most members any of its topics has seen heartbeat within one lease (server time)."""
        try:
            seconds, micros = await self._redis.time()
            now_ms = int(seconds) * 1000 + int(micros) // 1000
            prefix = self._keys.members("", "").removesuffix(":")
            live: dict[str, int] = {}
            async for key in self._redis.scan_iter(match=self._keys.members("*", "*"), count=500):
                group = key[len(prefix):].split(":", 1)[0]
                count = await self._redis.zcount(key, now_ms - self._settings.lease_ms, "+inf")
                live[group] = max(live.get(group, 0), int(count))
            return {group: count for group, count in live.items() if count > 0}
        except _UNREACHABLE as exc:
            raise BusError(f"Redis is unreachable; could not read consumer heartbeats: {exc}") from exc

    async def forget_key(self, key: str) -> int:
        """XDEL the key's entries from its shard's stream of every topic and from every dead-letter stream."""
        shard = shard_of(key, self._shards)
        try:
            streams = [s async for s in self._redis.scan_iter(match=self._keys.stream("*", shard), count=500)]
            streams += [s async for s in self._redis.scan_iter(match=self._keys.dead("*"), count=500)]
            deleted = 0
            for stream in streams:
                if await self._redis.type(stream) == "stream":
                    deleted += await self._delete_entries_of(stream, key)
            return deleted
        except _UNREACHABLE as exc:
            raise BusError(f"Redis is unreachable; could not erase a key's messages: {exc}") from exc

    async def _delete_entries_of(self, stream: str, key: str) -> int:
        deleted, start = 0, "-"
        while True:
            entries = await self._redis.xrange(stream, min=start, max="+", count=FORGET_PAGE)
            ids = [entry_id for entry_id, fields in entries if fields.get("k") == key]
            if ids:
                deleted += await self._redis.xdel(stream, *ids)
            if len(entries) < FORGET_PAGE:
                return deleted
            start = "(" + entries[-1][0]

    async def remove_dead_letter(self, topic: str, message_id: str) -> int:
        try:
            entries = await self._redis.xrange(self._keys.dead(topic))
            doomed = [entry_id for entry_id, fields in entries if fields.get("id") == message_id]
            return int(await self._redis.xdel(self._keys.dead(topic), *doomed)) if doomed else 0
        except _UNREACHABLE as exc:
            raise BusError(f"Redis is unreachable; could not remove a dead letter of {topic!r}: {exc}") from exc

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closing.set()
        waits = [asyncio.create_task(done.wait()) for done in self._runs]
        if waits:
            _, pending = await asyncio.wait(waits, timeout=self._close_grace_s + 5)
            for task in pending:
                task.cancel()
        self._closed = True
        if self._fast is not None:
            await self._fast.aclose()
        await self._redis.aclose()


def _dead_letter(topic: str, fields: dict[str, str]) -> DeadLetter:
    raw = fields.get("p", "")
    try:
        payload = json.loads(raw)
    except ValueError:
        payload = None
    if not isinstance(payload, dict):
        payload = {"_raw": raw}  # undecodable messages are dead-lettered too; keep what arrived
    return DeadLetter(
        topic=topic,
        key=fields.get("k", ""),
        payload=payload,
        id=fields.get("id", ""),
        attempt=int(fields.get("attempts") or 0),
        error=fields.get("error", ""),
        group=fields.get("group", ""),
    )
