"""Pieces both bus engines share: payload encoding, retry timing, and the per-shard worker's lifecycle.

Keeping them here is what makes the two engines behave the same way (the contract tests run on both).
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass
from typing import Any, Iterable

from habla.backoff import backoff_s
from habla.domain.messages import hashed  # keys are learner addresses: logs carry only this
from habla.bus.base import Envelope, Handler, PermanentError
from habla.config import BusSettings
from habla.errors import BusError

logger = logging.getLogger(__name__)

MAX_RETRY_DELAY_S = 5.0
DEFAULT_CLOSE_GRACE_S = 2.0  # how long aclose() lets a running handler finish before cancelling it


def retry_delay_s(settings: BusSettings, attempt: int) -> float:
    """Backoff before the next attempt, after ``attempt`` failed: exponential, capped."""
    return backoff_s(attempt - 1, settings.retry_backoff_ms / 1000, MAX_RETRY_DELAY_S)


def encode_payload(payload: dict[str, Any]) -> str:
    """JSON on both engines, so a payload that works in the embedded default works on Redis too."""
    if not isinstance(payload, dict):
        raise BusError(f"payload must be a dict, not {type(payload).__name__}")
    try:
        return json.dumps(payload, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise BusError(f"payload is not JSON-serialisable: {exc}") from exc


def error_text(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:2000]


@dataclass(eq=False)
class ShardWorker:
    """The state of one (subscription, shard) consumer task, read by whoever stops or rebalances it.

    Flags are only looked at between messages, so a handler is never interrupted by a rebalance.
    """

    shard: int
    task: asyncio.Task[None] | None = None
    busy: bool = False  # inside a handler call: stopping waits for it (within the grace period)
    stopping: bool = False  # the bus is closing
    release_requested: bool = False  # over our fair share: hand the shard back after the current message
    lost: bool = False  # the lease expired or was taken: stop without touching the shard again

    @property
    def should_exit(self) -> bool:
        return self.stopping or self.release_requested or self.lost


@dataclass(frozen=True)
class Failure:
    """One failed attempt: the error text for the dead letter, and whether another attempt could help."""

    text: str
    permanent: bool = False


async def call_handler(handler: Handler, envelope: Envelope, worker: ShardWorker) -> Failure | None:
    """Run one attempt; returns None on success or the failure. Never lets a handler error escape."""
    worker.busy = True
    try:
        await handler(envelope)
        return None
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        # The exception text may quote the payload, so it goes to the dead letter and DEBUG only.
        logger.warning(
            "bus handler failed topic=%s id=%s key=%s attempt=%d error=%s",
            envelope.topic, envelope.id, hashed(envelope.key), envelope.attempt, type(exc).__name__,
        )
        logger.debug("bus handler error detail", exc_info=True)
        return Failure(error_text(exc), permanent=isinstance(exc, PermanentError))
    finally:
        worker.busy = False


async def stop_workers(workers: Iterable[ShardWorker], grace_s: float) -> None:
    """Idle workers are cancelled at once; a worker inside a handler gets ``grace_s`` to finish it."""
    tasks: list[asyncio.Task[None]] = []
    for worker in workers:
        worker.stopping = True
        if worker.task is not None:
            tasks.append(worker.task)
            if not worker.busy:
                worker.task.cancel()
    running = [t for t in tasks if not t.done()]
    if running:
        _, still_running = await asyncio.wait(running, timeout=grace_s)
        for task in still_running:
            task.cancel()
        if still_running:
            # Bounded too: a handler that swallows cancellation must not hang shutdown forever.
            _, stuck = await asyncio.wait(still_running, timeout=grace_s)
            for task in stuck:
                logger.error("bus task %s ignored cancellation; abandoning it", task.get_name())
    for task in tasks:
        if task.done() and not task.cancelled() and task.exception() is not None:
            logger.error("bus task %s ended with %s", task.get_name(), error_text(task.exception()))
