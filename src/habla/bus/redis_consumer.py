"""One subscription's consumer on Redis Streams: shard ownership (leases, fair share) and per-shard processing.

A coordinator task heartbeats, renews leases, gives back shards over our fair share and takes free ones up
to it. Each owned shard gets one task that processes the group's entries of that shard strictly in order:
first every pending entry (XAUTOCLAIM to ourselves, safe because the lease makes us the only owner), then
new ones (XREADGROUP ">"). Claiming pending entries before every read, not only after acquiring, also
recovers entries a former owner read into its pending list after its lease had already expired.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import zlib
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError, ResponseError

from habla.backoff import backoff_s
from habla.domain.messages import hashed  # keys are learner addresses: logs carry only this
from habla.bus.base import Envelope, Subscription
from habla.bus.redis_leases import Keys, ShardLeases, message_id
from habla.bus.workers import ShardWorker, call_handler, retry_delay_s, stop_workers
from habla.config import BusSettings

logger = logging.getLogger(__name__)

BATCH = 10  # entries per read; small, so a shard handed over mid-batch leaves little for the next owner
MAX_REDIS_BACKOFF_S = 5.0

Entry = tuple[str, dict[str, str] | None]


class SubscriptionConsumer:
    def __init__(
        self, redis: Redis, keys: Keys, sub: Subscription, member: str, settings: BusSettings, close_grace_s: float
    ) -> None:
        self._redis = redis
        self._keys = keys
        self._sub = sub
        self._settings = settings
        self._shards = max(settings.shards, 1)
        self._max_deliveries = max(settings.max_deliveries, 1)
        self._block_ms = max(settings.block_ms, 1)  # BLOCK 0 would mean "forever"
        self._close_grace_s = close_grace_s
        self._leases = ShardLeases(redis, keys, sub.group, sub.topic, member, settings.lease_ms)
        self._tick_s = max(self._leases.lease_ms / 4, 20) / 1000
        self._attempts_key = keys.attempts(sub.group, sub.topic)
        self._workers: dict[int, ShardWorker] = {}
        self._coordinator: asyncio.Task[None] | None = None
        self._groups_ready = False
        self._stopping = False
        # Different members prefer different shards, so concurrent acquisitions rarely collide.
        offset = zlib.crc32(member.encode()) % self._shards
        self._preference = [(offset + i) % self._shards for i in range(self._shards)]

    @property
    def member(self) -> str:
        return self._leases.me

    @property
    def topic(self) -> str:
        return self._sub.topic

    @property
    def group(self) -> str:
        return self._sub.group

    def owned_shards(self) -> list[int]:
        return sorted(s for s, w in self._workers.items() if not w.should_exit)

    def start(self) -> None:
        self._coordinator = asyncio.create_task(
            self._coordinate(), name=f"bus-coordinator:{self._sub.topic}:{self._sub.group}"
        )

    async def stop(self) -> None:
        """Finish or cancel the shard tasks, then hand every lease back so others need not wait for expiry."""
        self._stopping = True  # in case a cancellation is swallowed inside the Redis client
        if self._coordinator is not None:
            self._coordinator.cancel()
            await asyncio.wait([self._coordinator], timeout=self._close_grace_s + 1)
        await stop_workers(self._workers.values(), self._close_grace_s)
        held = [shard for shard, worker in self._workers.items() if not worker.lost]
        self._workers.clear()
        try:
            for shard in held:
                await self._leases.release(shard)
            await self._leases.leave()
        except (RedisError, OSError) as exc:
            logger.warning("bus could not release leases of %s (%s); they expire by themselves", self.member, exc)

    # -- ownership -------------------------------------------------------------------------------------

    async def _coordinate(self) -> None:
        failures = 0
        while not self._stopping:
            try:
                await self._tick()
                failures = 0
                await asyncio.sleep(self._tick_s)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                failures += 1
                self._log_error("coordinator", exc)
                await asyncio.sleep(min(self._tick_s * 2**failures, MAX_REDIS_BACKOFF_S))

    async def _tick(self) -> None:
        if not self._groups_ready:
            await self._ensure_groups(range(self._shards))
            self._groups_ready = True
        share = math.ceil(self._shards / await self._leases.heartbeat())
        self._reap()
        renewed = await self._leases.renew([s for s, w in self._workers.items() if not w.lost])
        for shard, still_ours in renewed.items():
            if not still_ours:
                logger.warning("bus lease lost topic=%s group=%s shard=%d", self._sub.topic, self._sub.group, shard)
                self._workers[shard].lost = True
        active = sorted((w for w in self._workers.values() if not w.should_exit), key=lambda w: w.shard)
        for worker in active[share:]:
            # Over our share: the worker hands the shard back after its current message, never mid-handler.
            worker.release_requested = True
        if len(active) < share:
            candidates = [s for s in self._preference if s not in self._workers]
            for shard in await self._leases.acquire(candidates, share - len(active)):
                self._spawn(shard)

    def _spawn(self, shard: int) -> None:
        logger.info("bus acquired topic=%s group=%s shard=%d member=%s",
                    self._sub.topic, self._sub.group, shard, self.member)
        worker = ShardWorker(shard)
        worker.task = asyncio.create_task(
            self._run_shard(worker), name=f"bus:{self._sub.topic}:{self._sub.group}:{shard}"
        )
        self._workers[shard] = worker

    def _reap(self) -> None:
        for shard, worker in list(self._workers.items()):
            if worker.task is not None and worker.task.done():
                del self._workers[shard]

    async def _ensure_groups(self, shards: Any) -> None:
        for shard in shards:
            try:
                # Id "0": a group created after messages were published still sees them.
                await self._redis.xgroup_create(
                    self._keys.stream(self._sub.topic, shard), self._sub.group, id="0", mkstream=True
                )
            except ResponseError as exc:
                if "BUSYGROUP" not in str(exc):
                    raise

    # -- one shard ---------------------------------------------------------------------------------------

    async def _run_shard(self, worker: ShardWorker) -> None:
        failures = 0
        # Pending entries exist only from before we held the lease (a dead owner's), or when a Redis error cut
        # a batch short (an entry handled but not acked): drained once, they are looked for again only after
        # an error. An idle shard then costs one blocking XREADGROUP per block_ms instead of two commands,
        # which on a busy two-core machine was a third of a turn's CPU (bench/turn_overhead.py).
        drained = False
        while not worker.should_exit:
            try:
                drained = await self._process_batch(worker, drained)
                failures = 0
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                drained = False
                failures += 1
                self._log_error(f"shard {worker.shard}", exc)
                if isinstance(exc, ResponseError) and "NOGROUP" in str(exc):
                    self._groups_ready = False  # the stream was deleted; the coordinator recreates the group
                await asyncio.sleep(backoff_s(failures, 0.05, MAX_REDIS_BACKOFF_S))
        if worker.release_requested and not (worker.lost or worker.stopping):
            try:
                await self._leases.release(worker.shard)
                logger.info("bus released topic=%s group=%s shard=%d member=%s",
                            self._sub.topic, self._sub.group, worker.shard, self.member)
            except (RedisError, OSError) as exc:
                logger.warning("bus could not release shard %d (%s); it expires by itself", worker.shard, exc)

    async def _process_batch(self, worker: ShardWorker, drained: bool) -> bool:
        """Handle one batch; True once the shard has no pending entries left from before."""
        stream = self._keys.stream(self._sub.topic, worker.shard)
        entries = [] if drained else await self._claim_pending(worker.shard, stream)
        if not entries:
            drained = True
            entries = await self._read_new(stream)
        for entry_id, fields in entries:
            if worker.should_exit:
                return drained  # the rest stays pending; whoever owns the shard next claims it first
            await self._process_entry(worker, stream, entry_id, fields or {})
        return drained

    async def _claim_pending(self, shard: int, stream: str) -> list[Entry]:
        start = "0-0"
        while True:
            reply = await self._redis.xautoclaim(stream, self._sub.group, self.member, 0, start, count=BATCH)
            cursor, entries = reply[0], reply[1]
            deleted = list(reply[2]) if len(reply) > 2 else []
            deleted += [eid for eid, fields in entries if fields is None]  # Redis 6.2 reports them this way
            if deleted:
                # Trimmed by MAXLEN before anyone handled them: lost, only the bookkeeping is left to clean.
                logger.warning("bus entries trimmed before handling stream=%s count=%d", stream, len(deleted))
                await self._redis.hdel(self._attempts_key, *(message_id(shard, eid) for eid in deleted))
            live = [(eid, fields) for eid, fields in entries if fields is not None]
            if live or cursor in ("0-0", "0"):
                return live
            start = cursor

    async def _read_new(self, stream: str) -> list[Entry]:
        reply = await self._redis.xreadgroup(
            self._sub.group, self.member, {stream: ">"}, count=BATCH, block=self._block_ms
        )
        if not reply:
            return []
        if isinstance(reply, dict):  # RESP3
            return list(next(iter(reply.values()), []))
        return list(reply[0][1])

    async def _process_entry(self, worker: ShardWorker, stream: str, entry_id: str, fields: dict[str, str]) -> None:
        key, raw = fields.get("k", ""), fields.get("p")
        payload, last_error = _decode(raw)
        msg_id = message_id(worker.shard, entry_id)
        while True:
            attempt = await self._leases.begin_attempt(worker.shard, msg_id)
            if attempt < 0:
                worker.lost = True  # the new owner reprocesses this entry: handlers are idempotent
                logger.warning("bus lease lost topic=%s group=%s shard=%d", self._sub.topic, self._sub.group,
                               worker.shard)
                return
            if payload is None or attempt > self._max_deliveries:
                # Either undecodable, or earlier deliveries never ended (the process died mid-handler).
                note = f"no ack after {attempt - 1} deliveries: the consumer stopped or crashed in the handler"
                await self._dead_letter(stream, entry_id, msg_id, key, raw, last_error or note, attempt - 1)
                return
            envelope = Envelope(topic=self._sub.topic, key=key, payload=payload, id=msg_id, attempt=attempt)
            failure = await call_handler(self._sub.handler, envelope, worker)
            if failure is None:
                await self._ack(stream, entry_id, msg_id)
                return
            last_error = failure.text
            if failure.permanent or attempt >= self._max_deliveries:
                await self._dead_letter(stream, entry_id, msg_id, key, raw, failure.text, attempt)
                return
            if worker.stopping:
                return  # stays pending with its attempt count; retried by the next owner
            await asyncio.sleep(retry_delay_s(self._settings, attempt))

    async def _ack(self, stream: str, entry_id: str, msg_id: str) -> None:
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.xack(stream, self._sub.group, entry_id)
            pipe.hdel(self._attempts_key, msg_id)
            await pipe.execute()

    async def _dead_letter(
        self, stream: str, entry_id: str, msg_id: str, key: str, raw: str | None, error: str, attempts: int
    ) -> None:
        fields = {"p": raw or "", "k": key, "error": error, "id": msg_id, "group": self._sub.group,
                  "attempts": max(attempts, 0)}
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.xadd(self._keys.dead(self._sub.topic), fields,
                      maxlen=self._settings.stream_maxlen, approximate=True)
            pipe.xack(stream, self._sub.group, entry_id)
            pipe.hdel(self._attempts_key, msg_id)
            await pipe.execute()
        logger.warning("bus dead-lettered topic=%s group=%s id=%s key=%s after %d attempts",
                       self._sub.topic, self._sub.group, msg_id, hashed(key), attempts)

    def _log_error(self, where: str, exc: BaseException) -> None:
        if isinstance(exc, (RedisError, OSError)):
            logger.warning("bus %s of %s/%s: Redis error %s: %s; retrying", where, self._sub.topic,
                           self._sub.group, type(exc).__name__, exc)
        else:
            logger.exception("bus %s of %s/%s failed unexpectedly; retrying", where, self._sub.topic,
                             self._sub.group)


def _decode(raw: str | None) -> tuple[dict[str, Any] | None, str]:
    try:
        payload = json.loads(raw) if raw is not None else None
    except ValueError as exc:
        return None, f"undecodable payload: {exc}"
    if not isinstance(payload, dict):
        return None, "undecodable payload: not a JSON object"
    return payload, ""
