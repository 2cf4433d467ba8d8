"""The door every channel uses: hand the message to the bus, nothing more.

No database work happens here, so a webhook acks in about a millisecond whatever the store is doing;
duplicates (provider retries, two API processes receiving the same event) are dropped by the agent that
handles the message first (habla.agents.dedupe). If the publish fails the caller answers 503 and the
provider retries: nothing is lost.
"""

from __future__ import annotations

import logging

from habla.domain.messages import Inbound, InboundKind, hashed
from habla.services import Services

log = logging.getLogger(__name__)


async def ingest(services: Services, inbound: Inbound) -> None:
    """Publish an inbound message to its agent's topic. Raises BusError when the bus cannot take it."""
    await services.bus.publish(topic_for(inbound), inbound.learner_key, inbound.model_dump(mode="json"))
    log.info("inbound learner=%s kind=%s", hashed(inbound.learner_key), inbound.kind)


def topic_for(inbound: Inbound) -> str:
    """Voice notes go to the voice agent's own topic (and workers), so text turns never wait behind them."""
    return "voice" if inbound.kind == InboundKind.AUDIO else "inbound"
