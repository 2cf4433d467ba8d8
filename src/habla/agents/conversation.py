"""The conversation agent: one learner message in, one tutor reply out (exactly once).

Idempotency: a turn is stored under the inbound message's key before its reply is published. A redelivered
message finds the turn and republishes the same reply under the same outbound id, which the sender agent
never sends twice.
"""

from __future__ import annotations

import logging
import time
import uuid

from habla.bus.base import Envelope
from habla.channels.base import outbound_topic
from habla.domain.chunking import split_message
from habla.domain.escalation import needs_smart_tier
from habla.domain.inbound_text import is_emoji_only, prepare
from habla.domain.learner import Learner, Profile, Turn
from habla.domain.messages import Inbound, InboundKind, Outbound, hashed
from habla.domain.notices import notice
from habla.domain.prompts import build_messages
from habla.domain.whatsapp_format import to_whatsapp
from habla.errors import LLMNotConfigured, LLMUnavailable
from habla.services import Services

log = logging.getLogger(__name__)

TOPIC = "inbound"


async def handle(envelope: Envelope, services: Services) -> None:
    inbound = Inbound.model_validate(envelope.payload)
    inbound_key = f"{inbound.channel}:{inbound.message_id}"
    tutor = services.settings.tutor
    learner = await services.store.learner(
        inbound.channel,
        inbound.address,
        Profile(
            target_language=tutor.default_target_language,
            native_language=tutor.default_native_language,
            level=tutor.default_level,
        ),
    )
    turn = await services.store.turn_for(inbound_key)
    if turn is None:
        started = time.perf_counter()
        reply, tier = await _compose(inbound, learner, services)
        turn = await services.store.save_turn(
            Turn(
                id=uuid.uuid4().hex,
                learner_id=learner.id,
                inbound_key=inbound_key,
                user_text=inbound.text,
                reply_text=reply,
                tier=tier,
                created_at=time.time(),
            )
        )
        await services.store.touch_learner(learner.id, inbound.received_at)
        log.info(
            "turn learner=%s tier=%s ms=%.0f", hashed(learner.id), tier or "-", (time.perf_counter() - started) * 1000
        )
    else:
        log.info("turn redelivered learner=%s; resending the stored reply", hashed(learner.id))
    await publish_reply(services, inbound, turn.id, turn.reply_text)


async def publish_reply(services: Services, inbound: Inbound, outbound_id: str, text: str) -> None:
    channel = services.channels.get(inbound.channel)
    hard_limit = getattr(channel, "hard_limit", None)
    outbound = Outbound(
        outbound_id=outbound_id,
        channel=inbound.channel,
        address=inbound.address,
        chunks=split_message(text, services.settings.channels.text_chunk_chars, hard_limit),
        in_reply_to=inbound.message_id,
    )
    await services.bus.publish(outbound_topic(inbound.channel, inbound.address), outbound.learner_key, outbound.model_dump(mode="json"))


async def _compose(inbound: Inbound, learner: Learner, services: Services) -> tuple[str, str | None]:
    """The reply text and the tier that wrote it (None when no model was involved)."""
    native = learner.profile.native_language
    if inbound.kind != InboundKind.TEXT:
        return notice("unsupported_kind", native), None
    prepared = prepare(inbound.text, services.settings.tutor.max_input_chars, garbled=inbound.garbled)
    preface = [
        notice(name, native, length=prepared.original_length, limit=services.settings.tutor.max_input_chars)
        for name in prepared.notices
    ]
    if prepared.empty:
        return "\n\n".join([*preface, notice("empty", native)]), None
    recent = await services.store.recent_turns(learner.id, services.settings.tutor.recent_turns)
    recent = [turn for turn in recent if turn.tier]  # notices (no model) would only confuse the model
    messages = build_messages(learner.profile, recent, prepared.text, emoji_only=is_emoji_only(prepared.text))
    try:
        completion, tier = await services.llm.reply(
            messages, prefer="smart" if needs_smart_tier(prepared.text) else "fast", learner_id=learner.id
        )
    except LLMNotConfigured:
        return notice("not_configured", native), None
    except LLMUnavailable as exc:
        log.warning("llm unavailable learner=%s: %s", hashed(learner.id), exc)
        return notice("unavailable", native), None
    return "\n\n".join([*preface, to_whatsapp(completion.text)]), tier
