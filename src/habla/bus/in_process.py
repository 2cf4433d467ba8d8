"""The embedded bus: one process, asyncio only, same semantics as the Redis engine.

Per (topic, group, shard) a queue and a lock; one task per (subscription, shard). A message leaves its queue
only after it was handled or dead-lettered, so a consumer stopped mid-handler leaves it for the next run (as a
pending entry does on Redis), and the lock makes a group's shard strictly sequential even when the same group
is subscribed twice in one process (the two subscriptions then take turns, message by message).

Messages published to a topic before anything subscribes wait in a backlog that the first ``run`` adopts
(on Redis a new group starts from the beginning of the stream). A group that first subscribes later starts
from the messages published after it joined. Nothing survives the process: that is what Redis is for.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
from collections import Counter, deque
from dataclasses import replace
from typing import Any

from habla.domain.messages import hashed  # keys are learner addresses: logs carry only this
from habla.bus.base import DeadLetter, Envelope, Subscription, shard_of
from habla.bus.workers import (
    DEFAULT_CLOSE_GRACE_S,
    ShardWorker,
    call_handler,
    encode_payload,
    retry_delay_s,
    stop_workers,
)
from habla.config import BusSettings
from habla.errors import BusError

logger = logging.getLogger(__name__)


class _ShardQueue:
    """A FIFO whose head stays put until the consumer removes it (peek, handle, then remove)."""

    def __init__(self, maxlen: int, items: deque[Envelope] | None = None) -> None:
        self._maxlen = max(maxlen, 1)
        self._items: deque[Envelope] = deque(items or ())
        self._nonempty = asyncio.Event()
        if self._items:
            self._nonempty.set()

    def put(self, envelope: Envelope) -> None:
        if len(self._items) >= self._maxlen:
            # Mirrors Redis MAXLEN trimming: the oldest message is lost rather than memory growing forever.
            dropped = self._items.popleft()
            logger.warning("memory bus queue full, dropped topic=%s id=%s", dropped.topic, dropped.id)
        self._items.append(envelope)
        self._nonempty.set()

    async def head(self) -> Envelope:
        while not self._items:
            self._nonempty.clear()
            await self._nonempty.wait()
        return self._items[0]

    def remove(self, envelope: Envelope) -> None:
        # Identity check: if trimming already dropped it, the head is someone else's message.
        if self._items and self._items[0] is envelope:
            self._items.popleft()

    def snapshot(self) -> deque[Envelope]:
        return deque(self._items)


class _Group:
    def __init__(self, queues: list[_ShardQueue]) -> None:
        self.queues = queues
        self.locks = [asyncio.Lock() for _ in queues]


class _Topic:
    def __init__(self, shards: int, maxlen: int) -> None:
        self.shards = shards
        self.maxlen = maxlen
        self.backlog: list[_ShardQueue] | None = [_ShardQueue(maxlen) for _ in range(shards)]
        self.groups: dict[str, _Group] = {}

    def join(self, group: str) -> _Group:
        if group not in self.groups:
            backlog = self.backlog or [_ShardQueue(self.maxlen) for _ in range(self.shards)]
            # Each group gets its own copy of the backlog (and its own payload dicts, see publish).
            queues = [_ShardQueue(self.maxlen, q.snapshot()) for q in backlog]
            self.groups[group] = _Group(queues)
        return self.groups[group]


class InProcessBus:
    """In-process bus for the one-process deployment and for tests."""

    def __init__(self, settings: BusSettings, close_grace_s: float = DEFAULT_CLOSE_GRACE_S) -> None:
        self._settings = settings
        self._shards = max(settings.shards, 1)
        self._max_deliveries = max(settings.max_deliveries, 1)
        self._close_grace_s = close_grace_s
        self._topics: dict[str, _Topic] = {}
        # Trimmed like Redis's dead-letter streams (MAXLEN stream_maxlen): a poison flood must not grow the
        # process without bound, and the oldest letters are the least likely to be replayed.
        self._dead: dict[str, deque[DeadLetter]] = {}
        self._ids = itertools.count(1)
        self._closing = asyncio.Event()
        self._runs: set[asyncio.Event] = set()
        self._live: Counter[str] = Counter()  # group -> running subscriptions

    def _topic(self, name: str) -> _Topic:
        if name not in self._topics:
            self._topics[name] = _Topic(self._shards, self._settings.stream_maxlen)
        return self._topics[name]

    async def publish(self, topic: str, key: str, payload: dict[str, Any]) -> str:
        if self._closing.is_set():
            raise BusError("bus is closed")
        encoded = encode_payload(payload)
        shard = shard_of(key, self._shards)
        message_id = str(next(self._ids))
        state = self._topic(topic)
        if state.groups:
            targets = [g.queues[shard] for g in state.groups.values()]
        else:
            assert state.backlog is not None  # dropped only once a group has joined
            targets = [state.backlog[shard]]
        for queue in targets:
            # A fresh dict per group: a handler mutating its payload cannot affect another group's copy.
            queue.put(Envelope(topic=topic, key=key, payload=json.loads(encoded), id=message_id))
        logger.debug("memory bus published topic=%s shard=%d id=%s", topic, shard, message_id)
        return message_id

    async def run(self, subscriptions: list[Subscription]) -> None:
        if self._closing.is_set():
            raise BusError("bus is closed")
        workers: list[ShardWorker] = []
        touched: set[str] = set()
        for sub in subscriptions:
            group = self._topic(sub.topic).join(sub.group)
            touched.add(sub.topic)
            for shard in range(self._shards):
                worker = ShardWorker(shard)
                worker.task = asyncio.create_task(
                    self._consume(sub, group, worker), name=f"bus:{sub.topic}:{sub.group}:{shard}"
                )
                workers.append(worker)
        for name in touched:
            self._topics[name].backlog = None  # every group of this run has its copy now
        finished = asyncio.Event()
        self._runs.add(finished)
        groups = {sub.group for sub in subscriptions}
        self._live.update(groups)
        try:
            await self._closing.wait()
        finally:
            self._live.subtract(groups)
            await stop_workers(workers, self._close_grace_s)
            self._runs.discard(finished)
            finished.set()

    async def live_consumers(self) -> dict[str, int]:
        """The groups consuming in this process (nothing else shares an in-process bus)."""
        return {group: count for group, count in self._live.items() if count > 0}

    async def _consume(self, sub: Subscription, group: _Group, worker: ShardWorker) -> None:
        queue = group.queues[worker.shard]
        lock = group.locks[worker.shard]
        while not worker.should_exit:
            async with lock:
                envelope = await queue.head()
                if await self._deliver(sub, envelope, worker):
                    queue.remove(envelope)

    async def _deliver(self, sub: Subscription, envelope: Envelope, worker: ShardWorker) -> bool:
        """Handle with retries; True once handled or dead-lettered, False when stopped between retries."""
        last_error = ""
        attempt = 0
        for attempt in range(1, self._max_deliveries + 1):
            failure = await call_handler(sub.handler, replace(envelope, attempt=attempt), worker)
            if failure is None:
                return True
            last_error = failure.text
            if failure.permanent or attempt == self._max_deliveries:
                break
            if worker.stopping:
                return False
            await asyncio.sleep(retry_delay_s(self._settings, attempt))
        self._dead.setdefault(sub.topic, deque(maxlen=max(self._settings.stream_maxlen, 1))).append(
            DeadLetter(
                topic=envelope.topic, key=envelope.key, payload=envelope.payload, id=envelope.id,
                attempt=attempt, error=last_error, group=sub.group,
            )
        )
        logger.warning(
            "bus dead-lettered topic=%s group=%s id=%s key=%s after %d attempts",
            sub.topic, sub.group, envelope.id, hashed(envelope.key), attempt,
        )
        return True

    async def dead_letters(self, topic: str) -> list[Envelope]:
        return list(self._dead.get(topic, []))

    async def remove_dead_letter(self, topic: str, message_id: str) -> int:
        letters = self._dead.get(topic, [])
        kept = [letter for letter in letters if letter.id != message_id]
        self._dead[topic] = kept
        return len(letters) - len(kept)

    async def forget_key(self, key: str) -> int:
        """Drop the dead letters of one key ("delete my data"); handled messages are not kept anyway."""
        removed = 0
        for topic, letters in self._dead.items():
            kept = deque((letter for letter in letters if letter.key != key), maxlen=letters.maxlen)
            removed += len(letters) - len(kept)
            self._dead[topic] = kept
        return removed

    async def aclose(self) -> None:
        self._closing.set()
        waits = [asyncio.create_task(done.wait()) for done in self._runs]
        if waits:
            _, pending = await asyncio.wait(waits, timeout=self._close_grace_s + 1)
            for task in pending:
                task.cancel()
