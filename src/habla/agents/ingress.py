"""The door every channel uses: drop duplicates, then hand the message to the bus.

The claim on the provider's message id is what makes a duplicate delivery (provider retry, two API
processes receiving the same event) produce no second reply. If the publish fails the claim is released so
the provider's retry is accepted: nothing is lost.
"""

from __future__ import annotations

import logging

from habla.domain.messages import Inbound, hashed
from habla.services import Services

log = logging.getLogger(__name__)


async def ingest(services: Services, inbound: Inbound) -> bool:
    """True when the message was new and is now on the bus; False for a duplicate."""
    if not await services.store.claim_inbound(inbound.channel, inbound.message_id):
        log.info("duplicate inbound learner=%s dropped", hashed(inbound.learner_key))
        return False
    try:
        await services.bus.publish("inbound", inbound.learner_key, inbound.model_dump(mode="json"))
    except BaseException:
        await services.store.release_inbound(inbound.channel, inbound.message_id)
        raise
    log.info("inbound learner=%s kind=%s", hashed(inbound.learner_key), inbound.kind)
    return True
