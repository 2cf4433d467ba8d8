"""Replies the 24-hour window kept back: held while only the template could go out, delivered when the
learner answers it.

Outside WhatsApp's customer-service window only the approved template may be sent. What the tutor had to
say is not dropped: the sender holds it (in the learner's profile document, so it is exported and erased
with everything else), and the conversation agent releases it on the learner's next message, before that
message's own reply, so the learner reads everything in order.

At most ``MAX_HELD`` replies are kept (the oldest go first): a learner silent for days does not come back
to a wall of stale messages. Release is idempotent: each held reply goes out under an id derived from its
own, so a redelivered message (or a release interrupted by a crash) never sends one twice.
"""

from __future__ import annotations

import hashlib
import logging
import time
from typing import TYPE_CHECKING

from habla.agents import outbox
from habla.domain.messages import Inbound, Outbound, hashed

if TYPE_CHECKING:
    from habla.services import Services

log = logging.getLogger(__name__)

PROFILE_KEY = "held_replies"
MAX_HELD = 5


async def hold(services: Services, outbound: Outbound) -> None:
    """Keep ``outbound`` (a reply the template replaced) for the learner's return. Idempotent."""
    learner = await services.store.find_learner(outbound.channel, outbound.address)
    if learner is None:
        return
    sent = await services.store.delivered_chunks(outbound.outbound_id)  # the provider may close it mid-reply
    chunks = [chunk for index, chunk in enumerate(outbound.chunks) if index not in sent]
    first_card = len(outbound.chunks) + len(outbound.voice)  # cards' delivery indices follow (pedagogy.card_delivery)
    cards = [card for offset, card in enumerate(outbound.cards) if first_card + offset not in sent]
    if not (chunks or outbound.voice or cards):
        return
    entry = {"outbound_id": outbound.outbound_id, "chunks": chunks,
             "voice": [item.model_dump(mode="json") for item in outbound.voice],
             "cards": [card.model_dump(mode="json") for card in cards], "held_at": time.time()}

    def add(held: list | None) -> list:
        held = [item for item in (held or []) if item.get("outbound_id") != outbound.outbound_id]
        return [*held, entry][-MAX_HELD:]

    await services.store.update_profile_key(learner.id, PROFILE_KEY, add)
    log.info("reply held until the learner writes learner=%s", hashed(learner.id))


async def release(services: Services, inbound: Inbound, learner_id: str, held: list | None) -> int:
    """Publish the held replies (oldest first) ahead of this message's reply; returns how many."""
    if not held:
        return 0
    for item in held:
        await outbox.publish(
            services,
            Outbound(
                outbound_id=released_id(item["outbound_id"]), channel=inbound.channel, address=inbound.address,
                chunks=item.get("chunks", []), voice=item.get("voice", []), cards=item.get("cards", []),
                in_reply_to=inbound.message_id,
                answers_message_at=inbound.received_at,
            ),
        )
    released = {item["outbound_id"] for item in held}
    # only what went out: a reply held meanwhile (by a sender on another shard's topic) stays for next time
    await services.store.update_profile_key(
        learner_id, PROFILE_KEY, lambda now: [item for item in (now or []) if item.get("outbound_id") not in released]
    )
    log.info("held replies released learner=%s count=%d", hashed(learner_id), len(held))
    return len(held)


def released_id(outbound_id: str) -> str:
    return hashlib.sha256(f"{outbound_id}:released".encode()).hexdigest()[:32]
