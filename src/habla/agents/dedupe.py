"""Exactly one answer per provider message, decided by the first agent that handles it.

The webhook does no database work (it must ack fast), so every copy of a message Meta or Twilio delivers
twice reaches the bus. Both copies carry the same learner key, so they land on one shard and are handled
one after the other: the first claims the provider's message id with its bus message id; the second finds a
claim by another bus message and is dropped. A redelivery of the *same* bus message (the worker died
mid-handler) matches its own claim and goes ahead, so a crash never loses a message.
"""

from __future__ import annotations

import logging

from habla.bus.base import Envelope
from habla.domain.messages import Inbound, hashed
from habla.services import Services

log = logging.getLogger(__name__)


async def first_delivery(services: Services, inbound: Inbound, envelope: Envelope) -> bool:
    claimant = f"{envelope.topic}:{envelope.id}" if envelope.id else None
    if await services.store.claim_inbound(inbound.channel, inbound.message_id, claimant):
        return True
    log.info("duplicate inbound learner=%s dropped", hashed(inbound.learner_key))
    return False
