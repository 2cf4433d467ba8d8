"""Ends sessions of learners who went quiet, so the memory agent updates their profile without waiting for
them to come back (it also notices a return after a long pause; this covers those who do not return).

Every process that runs the memory agent runs this watcher. Each idle session is announced once across all
of them: the announcement is claimed in `inbound_seen` under (``session-end``, hashed learner id and
last-message time), the same cross-process claim that drops duplicate messages. A learner who writes again and goes
quiet again has a new last-message time, so that new session ends too.
"""

from __future__ import annotations

import asyncio
import logging
import time

from habla.domain.messages import hashed
from habla.memory import SESSION_END
from habla.services import Services

log = logging.getLogger(__name__)

LOOKBACK_S = 24 * 3600  # older silences ended long ago; their sessions were summarised then or on return
CLAIM_CHANNEL = "session-end"


async def announce_idle_sessions(services: Services, now: float | None = None) -> int:
    """Publish "session.end" for each newly idle learner; returns how many this call announced."""
    now = time.time() if now is None else now
    idle_s = services.settings.memory.session_idle_minutes * 60
    announced = 0
    for learner_id, last_at in await services.store.idle_learners(now - idle_s, now - LOOKBACK_S):
        # hashed: after "delete my data" no row may still name the learner, even by their opaque id
        if await services.store.claim_inbound(CLAIM_CHANNEL, f"{hashed(learner_id)}:{last_at:.6f}"):
            await services.bus.publish(SESSION_END, learner_id, {"learner_id": learner_id, "turn_at": last_at})
            log.info("session ended learner=%s", hashed(learner_id))
            announced += 1
    return announced


async def watch(services: Services) -> None:
    """Runs until cancelled; a failed round (store or bus down) is logged and tried again next round."""
    interval = max(services.settings.memory.session_idle_minutes * 60 / 6, 1.0)
    while True:
        try:
            await announce_idle_sessions(services)
        except Exception:
            log.exception("session watch round failed; retrying in %.0f s", interval)
        await asyncio.sleep(interval)
