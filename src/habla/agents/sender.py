"""The sender agent: hands an outbound reply's chunks to its channel, in order, each at most once.

A chunk is recorded as delivered right after the channel accepts it; a redelivered outbound message skips
the recorded chunks, so a crash mid-reply resumes where it stopped instead of repeating itself.
"""

from __future__ import annotations

import logging

from habla.bus.base import Envelope
from habla.domain.messages import Outbound, hashed
from habla.errors import ChannelError
from habla.services import Services

log = logging.getLogger(__name__)


async def handle(envelope: Envelope, services: Services) -> None:
    outbound = Outbound.model_validate(envelope.payload)
    channel = services.channels.get(outbound.channel)
    if channel is None:
        # Nothing in this process can send on it; raising lets the bus retry, then dead-letter it visibly.
        raise ChannelError(f"no sender configured for channel {outbound.channel!r}")
    done = await services.store.delivered_chunks(outbound.outbound_id)
    for index, chunk in enumerate(outbound.chunks):
        if index in done:
            continue
        await channel.send_text(outbound.address, chunk, idempotency_key=f"{outbound.outbound_id}:{index}")
        await services.store.record_delivery(outbound.outbound_id, index, outbound.learner_key)
    log.info("sent learner=%s chunks=%d channel=%s", hashed(outbound.learner_key), len(outbound.chunks), channel.name)
