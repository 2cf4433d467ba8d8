"""Periodic clean-up that every process running agents does: dedupe claims older than Meta's retry horizon.

Meta retries a webhook for up to 7 days (Twilio for far less); a claim older than that can no longer stop a
duplicate, so it goes. That covers message-id claims and template claims alike, so nothing we keep for
dedupe outlives the week. The DELETE is idempotent, so several processes running it at once cost only a
cheap indexed query each.

A learner silent for more than the horizon while replies queue for them could get a second template, a
week after the first: the price of keeping nothing longer.
"""

from __future__ import annotations

import asyncio
import logging
import time

from habla.services import Services

log = logging.getLogger(__name__)

CLAIM_HORIZON_S = 7 * 24 * 3600
INTERVAL_S = 3600.0


async def prune_once(services: Services, now: float | None = None) -> int:
    """Delete claims older than the horizon; returns how many went."""
    now = time.time() if now is None else now
    return await services.store.prune_claims(now - CLAIM_HORIZON_S)


async def watch(services: Services) -> None:
    """Runs until cancelled; a failed round (store down) is logged and tried again next round."""
    while True:
        try:
            removed = await prune_once(services)
            if removed:
                log.info("pruned dedupe claims older than 7 days: %d", removed)
        except Exception:
            log.exception("claim prune failed; retrying in %.0f s", INTERVAL_S)
        await asyncio.sleep(INTERVAL_S)
