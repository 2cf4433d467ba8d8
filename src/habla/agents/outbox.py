"""The one way a reply leaves an agent: an Outbound message on its channel's outbound topic.

Every agent (conversation, voice, privacy, and those to come) publishes through here, so the topic, the
key and the chunking rules are decided once. The sender agent consumes these topics.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from habla.channels.base import ReadReceipts
from habla.domain.chunking import split_message
from habla.domain.messages import Flashcard, Inbound, Outbound, OutboundKind, hashed
from habla.domain.voice_markup import voice_items

if TYPE_CHECKING:
    from habla.services import Services


def outbound_topic(channel: str, address: str) -> str:
    """Console replies go to the one terminal that asked, so each console address has its own topic.

    The address is hashed: topic names reach INFO logs and Redis key listings, addresses must not.
    """
    if channel == "console":
        return f"outbound.console.{hashed(address)}"
    return f"outbound.{channel}"


async def publish(services: Services, outbound: Outbound) -> None:
    """Queue ``outbound`` for the sender; the learner key keeps it in order with everything else of theirs."""
    await services.bus.publish(
        outbound_topic(outbound.channel, outbound.address), outbound.learner_key, outbound.model_dump(mode="json")
    )


async def publish_reply(
    services: Services, inbound: Inbound, outbound_id: str, text: str, voice_language: str | None = None,
    choices: list[str] | None = None, cards: list[Flashcard] | None = None,
) -> None:
    """``text`` as the channel's chunks; with ``voice_language``, its 🔊 lines also go out as voice notes;
    ``choices`` go with the last chunk as buttons or a list where the channel can show them; ``cards`` go
    last, as flashcard images (as text where the channel has no images)."""
    channel = services.channels.get(inbound.channel)
    hard_limit = channel.hard_limit if channel is not None else None
    await publish(
        services,
        Outbound(
            outbound_id=outbound_id,
            channel=inbound.channel,
            address=inbound.address,
            chunks=split_message(text, services.settings.channels.text_chunk_chars, hard_limit),
            voice=voice_items(text, voice_language, services.settings.voice.max_voice_items) if voice_language else [],
            in_reply_to=inbound.message_id,
            answers_message_at=inbound.received_at,
            choices=list(choices or []),
            cards=list(cards or []),
        ),
    )


async def publish_receipt(services: Services, inbound: Inbound) -> None:
    """Mark the message read and show "typing…" while the model thinks. Same topic and key as the reply, so it
    goes out first; only for channels that can show it, so the others see no extra bus traffic."""
    if not isinstance(services.channels.get(inbound.channel), ReadReceipts):
        return
    await publish(
        services,
        Outbound(
            kind=OutboundKind.RECEIPT, channel=inbound.channel, address=inbound.address,
            # a voice note's transcript: the note is the provider's message to mark read
            in_reply_to=inbound.extra.get("transcript_of") or inbound.message_id,
        ),
    )
