"""Ride out a database or Redis outage inside the handler instead of spending the bus's retries on it.

The bus gives a message `HABLA_BUS__MAX_DELIVERIES` attempts (seconds, with backoff) before it parks it in
the dead-letter stream: right for a message that fails on its own (a poison pill), wrong for a Postgres
restart or a Redis failover, which would park every message that arrived meanwhile. So an outage of the
store or the bus is waited out here, with capped backoff, for up to `HABLA_BUS__OUTAGE_RETRY_S`. The shard
stays blocked meanwhile, which keeps each learner's order, and the lease is renewed by its own task.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from typing import Awaitable, Callable

from habla.backoff import backoff_s
from habla.errors import BusError, StorageError

log = logging.getLogger(__name__)

FIRST_DELAY_S = 0.2
MAX_DELAY_S = 5.0


def is_outage(exc: BaseException) -> bool:
    """Adapters translate their drivers' connection failures into these (storage/access.py,
    memory/session_redis.py, the bus engines), so this is the whole list."""
    return isinstance(exc, (StorageError, BusError))


async def through_outages(call: Callable[[], Awaitable[None]], max_wait_s: float, what: str) -> None:
    started = time.monotonic()
    for failures in itertools.count():
        try:
            await call()
            return
        except Exception as exc:
            if not is_outage(exc) or time.monotonic() - started >= max_wait_s:
                raise
            delay = backoff_s(failures, FIRST_DELAY_S, MAX_DELAY_S)
            log.warning("%s: store or bus unavailable (%s); retrying in %.1f s", what, type(exc).__name__, delay)
            await asyncio.sleep(delay)
