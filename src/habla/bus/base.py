"""The bus port.

A topic ("inbound", "outbound.whatsapp", …) is split into shards; a message's ``key`` (the learner) picks
its shard, and each shard is handled by one consumer at a time, in order. That is what keeps two messages
of one learner answered in order while different learners run in parallel.

Delivery is at least once: a handler that raises is retried (bounded), then the message goes to a
dead-letter stream. Handlers must therefore be idempotent. A handler that knows no retry can help (our
credentials were refused) raises ``PermanentError``: the message is dead-lettered after that one attempt.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Protocol

from habla.errors import HablaError


class PermanentError(HablaError):
    """Raised by a handler when retrying cannot succeed: both engines dead-letter the message at once.

    Retrying such a failure only multiplies it (a revoked token refused five times per message is a retry
    storm against the provider); the dead letter keeps the message for the operator to replay.
    """


@dataclass(frozen=True)
class Envelope:
    topic: str
    key: str
    payload: dict[str, Any]
    id: str = ""  # engine-specific message id (a Redis stream id, a counter)
    attempt: int = 1


@dataclass(frozen=True)
class DeadLetter(Envelope):
    """A message that exhausted ``max_deliveries``: ``id`` is the original message id, ``attempt`` the number of
    deliveries made, ``error`` the last handler error (``"TypeName: text"``) or, when no attempt ended in an
    exception (the worker process died mid-handler), a note saying so; ``group`` is the subscription group."""

    error: str = ""
    group: str = ""


Handler = Callable[[Envelope], Awaitable[None]]


@dataclass
class Subscription:
    topic: str
    group: str
    handler: Handler
    concurrency_hint: int = field(default=0)  # 0: one task per shard


class Bus(Protocol):
    async def publish(self, topic: str, key: str, payload: dict[str, Any]) -> str:
        """Append a message; returns its id. Raises BusError when the message could not be stored."""

    async def run(self, subscriptions: list[Subscription]) -> None:
        """Consume until cancelled or ``aclose``; each subscription's handler sees one shard in order."""

    async def dead_letters(self, topic: str) -> list[Envelope]:
        """Messages that exhausted their retries, oldest first (for the operator and the tests)."""

    async def live_consumers(self) -> dict[str, int]:
        """Consumer group → how many consumers of it are alive (heartbeat within a lease period), across
        every process that shares this bus: what `habla doctor` reports as workers."""

    async def forget_key(self, key: str) -> int:
        """Erase every message of ``key`` the bus still holds once handled (entries kept until the stream's
        MAXLEN, dead letters): "delete my data". Returns how many were removed. Only the engine knows its
        layout, so erasure never rebuilds its key names."""

    async def remove_dead_letter(self, topic: str, message_id: str) -> int:
        """Drop the dead letters of ``topic`` carrying original id ``message_id`` (after a replay); how many."""

    async def aclose(self) -> None: ...


def shard_of(key: str, shards: int) -> int:
    """Stable across processes and Python versions (unlike ``hash()``)."""
    return zlib.crc32(key.encode("utf-8", "surrogatepass")) % shards
