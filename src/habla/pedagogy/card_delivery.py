"""The sender's flashcard branch: render a reply's cards and send them as images, each at most once.

Cards go after the text chunks and the voice notes, recorded as deliveries with the indices that follow
theirs (``len(chunks) + len(voice) + i``), so a redelivered outbound message resumes where it stopped and
never sends a card twice; every send carries ``<outbound id>:<index>`` as its idempotency key, the same on
every attempt, and goes through the sender's ``deliver`` (its "sending" claim and the provider's delivery
evidence, as for text). WhatsApp uploads the PNG and sends it by media id; Twilio publishes it in its media outbox
for Twilio to fetch; the simulator posts it inline; the console saves it and prints the path. A channel
without images, or a card whose letters the font lacks, gets the card as a text message instead: the
learner always gets the word.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Awaitable, Callable

from habla.channels.base import Channel, Images
from habla.domain.messages import Flashcard, Outbound, hashed
from habla.pedagogy.flashcards import render_flashcard, renderable

log = logging.getLogger(__name__)

MAX_CARDS = 10  # per reply; "show me my words" asks for fewer (habla.pedagogy.words)
MIME = "image/png"


def first_card_index(outbound: Outbound) -> int:
    return len(outbound.chunks) + len(outbound.voice)


def caption(card: Flashcard) -> str:
    """The card's text beside the image: what a screen reader reads and a notification shows."""
    return f"*{card.word}*" + (f" — {card.translation}" if card.translation else "")


def as_text(card: Flashcard) -> str:
    return caption(card) + (f"\n_{card.example}_" if card.example else "")


async def send_cards(
    outbound: Outbound,
    channel: Channel,
    services,
    done: set[int],
    deliver: Callable[[int, Callable[[], Awaitable[None]]], Awaitable[bool]],
) -> int:
    """Send the cards not yet delivered; returns how many went out now. ``deliver(index, send)`` is the
    sender's: at most once per index, with the provider's delivery evidence, recorded."""
    sent = 0
    start = first_card_index(outbound)
    for offset, card in enumerate(outbound.cards[:MAX_CARDS]):
        index = start + offset
        if index in done:
            continue
        key = f"{outbound.outbound_id}:{index}"
        if isinstance(channel, Images) and renderable(card):
            data = await asyncio.to_thread(render_flashcard, card)

            async def send(data: bytes = data, card: Flashcard = card, key: str = key) -> None:
                await channel.send_image(outbound.address, data, MIME, caption(card), idempotency_key=key)
        else:

            async def send(card: Flashcard = card, key: str = key) -> None:
                await channel.send_text(outbound.address, as_text(card), idempotency_key=key)

        sent += await deliver(index, send)
    if sent:
        log.info("sent learner=%s cards=%d channel=%s", hashed(outbound.learner_key), sent, channel.name)
    return sent
