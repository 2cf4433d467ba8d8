"""The conversation agent: one learner message in, one tutor reply out (exactly once).

Idempotency: a turn is stored under the inbound message's key before its reply is published. A redelivered
message finds the turn and republishes the same reply under the same outbound id, which the sender agent
never sends twice.
"""

from __future__ import annotations

import logging
import time
import uuid

from habla.agents import held_replies, privacy
from habla.agents.dedupe import first_delivery
from habla.agents import fair_use as fair_use_gate
from habla.agents.learners import learner_for
from habla.agents.outbox import publish_receipt, publish_reply
from habla.bus.base import Envelope
from habla.domain.escalation import needs_smart_tier
from habla.domain.inbound_policy import Policy, policy_for
from habla.domain.inbound_text import is_emoji_only, prepare
from habla.domain.learner import Learner, Turn, is_blocked
from habla.domain.messages import Inbound, InboundKind, hashed
from habla.domain.notices import notice
from habla.errors import LLMNotConfigured, LLMUnavailable
from habla.memory import context as memory_context
from habla.memory.session import SessionState
from habla.pedagogy import commands as tutor_commands
from habla.pedagogy import level as tutor_level
from habla.pedagogy import onboarding
from habla.pedagogy.turn import ComposedTurn, compose
from habla.practice import cards as practice_cards
from habla.practice import prompt_answers as practice_prompt
from habla.practice import quiz as practice_quiz
from habla.services import Services
from habla.voice.practice import remember_examples

log = logging.getLogger(__name__)

TOPIC = "inbound"


async def handle(envelope: Envelope, services: Services) -> None:
    inbound = Inbound.model_validate(envelope.payload)
    if not await first_delivery(services, inbound, envelope):
        return
    inbound_key = f"{inbound.channel}:{inbound.message_id}"
    learner = await learner_for(services, inbound)
    if not await _should_answer(inbound, learner, services):
        return
    # before anything else, so a crash later in this handler cannot leave the window unrecorded (forward only)
    await services.store.touch_learner(learner.id, inbound.received_at)
    turn = await services.store.turn_for(inbound_key)
    fresh = turn is None
    if turn is None:
        session = await memory_context.load_session(services, learner)
        if await privacy.intercept(services, inbound, learner, session):
            return  # "delete/export my data" or its confirmation: answered, and on purpose no turn is stored
        # what the 24-hour window kept back goes first, so the learner reads everything in order
        await held_replies.release(services, inbound, learner.id, (learner.profile.model_extra or {}).get(held_replies.PROFILE_KEY))
        if await practice_prompt.intercept(services, inbound, learner):
            return  # Start / Later / Stop on a scheduled practice prompt
        if await practice_quiz.intercept(services, inbound, learner):
            return  # "quiz me", or the answer to an open quiz question: graded and answered, no quota used
        if await fair_use_gate.screen_text(services, inbound, learner, session):
            return  # blocked, flooding, past the quota, or "cancel": dealt with before any model call
        if await tutor_commands.intercept(services, inbound, learner, session):
            return  # "show me my words", "remind me at 8", "easier"…: answered, and no turn is stored
        if await onboarding.intercept(services, inbound, learner, session):
            return  # an answer to the onboarding question on screen: answered, no turn
        await publish_receipt(services, inbound)
        started = time.perf_counter()
        reply, composed = await _compose(inbound, learner, services, session)
        reply, choices = await onboarding.ride(services, learner, reply)  # the next onboarding question, if any
        turn = await services.store.save_turn(
            Turn(
                id=uuid.uuid4().hex,
                learner_id=learner.id,
                inbound_key=inbound_key,
                # as the model read it (cut at max_input_chars, invisible characters dropped): a 200 KB paste
                # costs the database what it cost the model, and the learner was told how much was read
                user_text=prepare(inbound.text, services.settings.tutor.max_input_chars, garbled=inbound.garbled).text,
                reply_text=reply,
                tier=composed.tier if composed else None,
                created_at=time.time(),
                path=composed.path if composed else None,
            ),
            # stored with the turn, in its transaction: the counted mistakes and words (11b, 12 read them)
            corrections=composed.corrections if composed else [],
            words=composed.words if composed else [],
            language=learner.profile.target_language,
        )
        await remember_examples(services.store, learner, reply, services.settings.voice.max_voice_items)  # 🔊 lines
        log.info(
            "turn learner=%s tier=%s path=%s ms=%.0f", hashed(learner.id), turn.tier or "-", turn.path or "-",
            (time.perf_counter() - started) * 1000,
        )
    else:
        log.info("turn redelivered learner=%s; resending the stored reply", hashed(learner.id))
    await publish_reply(services, inbound, turn.id, turn.reply_text, voice_language=learner.profile.target_language,
                        choices=choices if fresh else onboarding.choices_on_screen(learner))
    if fresh:
        await memory_context.after_turn(services, inbound, learner, turn)  # session + "turn.done" for the memory agent
        await practice_cards.after_turn(services, learner, turn, composed.words if composed else [])  # FSRS cards + reviews
        if turn.path:
            await _reestimate_level(services, learner)


async def _reestimate_level(services: Services, learner: Learner) -> None:
    """After the reply is out: the level is a running estimate, and a failure here costs the learner nothing."""
    try:
        await tutor_level.reestimate(services, learner)
    except Exception as exc:
        log.warning("level estimate failed learner=%s: %s", hashed(learner.id), type(exc).__name__)


async def _should_answer(inbound: Inbound, learner: Learner, services: Services) -> bool:
    """Reactions get no reply; a group gets one polite decline, ever (the claim makes it once per group);
    a learner the operator blocked (dashboard) gets nothing."""
    if is_blocked(learner.profile):
        log.info("message from blocked learner=%s; no reply", hashed(learner.id))
        return False
    policy = policy_for(inbound)
    if policy == Policy.IGNORE:
        log.info("%s received learner=%s; no reply by design", inbound.kind, hashed(learner.id))
        return False
    if policy == Policy.DECLINE_GROUP:
        if await services.store.claim_inbound(f"{inbound.channel}:group-declined", inbound.group_id or ""):
            text = notice("group", learner.profile.native_language)
            await publish_reply(services, inbound, uuid.uuid5(uuid.NAMESPACE_URL, inbound.message_id).hex, text)
        log.info("group message learner=%s declined", hashed(learner.id))
        return False
    return True


async def _compose(
    inbound: Inbound, learner: Learner, services: Services, session: SessionState
) -> tuple[str, ComposedTurn | None]:
    """The reply text, and the tutor's turn behind it (None when no model was involved: a notice)."""
    native = learner.profile.native_language
    # A tapped button or list row reads as what it says; every other kind is not understood yet.
    if inbound.kind != InboundKind.TEXT and not (inbound.kind == InboundKind.INTERACTIVE and inbound.text):
        return notice("unsupported_kind", native), None
    prepared = prepare(inbound.text, services.settings.tutor.max_input_chars, garbled=inbound.garbled)
    preface = [
        notice(name, native, length=prepared.original_length, limit=services.settings.tutor.max_input_chars)
        for name in prepared.notices
    ]
    if prepared.empty:
        return "\n\n".join([*preface, notice("empty", native)]), None
    # session → profile → recall (only when they refer to the past); bounded, so prompt size stays flat
    messages = await memory_context.prompt_for(services, learner, session, prepared.text, is_emoji_only(prepared.text))
    try:
        composed = await compose(services, learner, messages, prepared.text, prefer=tier_for(prepared.text))
    except LLMNotConfigured:
        return notice("not_configured", native), None
    except LLMUnavailable as exc:
        log.warning("llm unavailable learner=%s: %s", hashed(learner.id), exc)
        return notice("unavailable", native), None
    return "\n\n".join([*preface, composed.text]), composed


def tier_for(text: str) -> str:
    return "smart" if needs_smart_tier(text) else "fast"
