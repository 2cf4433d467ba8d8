"""Delivery evidence: provider status webhooks become delivery rows, so a resend after a crash is not a duplicate.

The window it closes: a worker hands a chunk to WhatsApp or Twilio and dies before writing its delivery row.
The worker that takes the shard over finds a "sending" claim for the chunk but no row. It then waits (at
most ``HABLA_CHANNELS__DELIVERY_EVIDENCE_WAIT_S``) for the provider's status callback instead of
resending at once (agents/sender.py).

The webhook does no database work (it acks in about a millisecond, like every status): it publishes the
evidence on the bus (topic ``delivery.evidence``, keyed by the learner, so "delete my data" erases it with
their other entries), and this handler, run by every sender process, records the delivery row. Recording
is an insert that ignores a row already there, so the sender's own row and any number of statuses for the
same chunk ("sent", then "delivered", then "read") make one row.
"""

from __future__ import annotations

import logging

from habla.bus.base import Envelope
from habla.domain.delivery_evidence import TOPIC, evidence_of
from habla.domain.messages import hashed, learner_key

log = logging.getLogger(__name__)


async def report(services, channel: str, address: str, key: str | None, status: str) -> bool:
    """From a webhook: publish what a status proves, if anything; True when something was published."""
    if evidence_of(channel, key, status) is None or not address:
        return False
    await services.bus.publish(
        TOPIC, learner_key(channel, address), {"channel": channel, "address": address, "key": key, "status": status}
    )
    return True


async def handle(envelope: Envelope, services) -> None:
    payload = envelope.payload
    channel, address = str(payload.get("channel", "")), str(payload.get("address", ""))
    evidence = evidence_of(channel, payload.get("key"), str(payload.get("status", "")))
    if evidence is None or not address:
        return  # not ours (a malformed entry): nothing to record
    if await services.store.find_learner(channel, address) is None:
        return  # erased ("delete my data"): a late "read" must not write their number back into deliveries
    await services.store.record_delivery(evidence.outbound_id, evidence.chunk_index, learner_key(channel, address))
    log.debug("delivery evidence learner=%s status=%s", hashed(learner_key(channel, address)), payload.get("status"))
