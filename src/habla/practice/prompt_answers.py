"""Answers to a scheduled practice prompt: Start opens a quiz, Later snoozes 1 h, Stop ends reminders.

Only while a prompt is open (``scheduler.OPEN_KEY`` in the profile), so "stop" in ordinary conversation
is not taken for one. Tapped buttons arrive as their title; typed titles count too, in any of the six
languages (domain.practice_prompt_text). The reply's outbound id derives from the answering message, so a
redelivered answer is not acted on twice.
"""

from __future__ import annotations

import logging
import uuid

from habla.agents import outbox
from habla.domain import practice_prompt_text as say
from habla.domain import practice_schedule as rules
from habla.domain.learner import Learner
from habla.domain.messages import Inbound, InboundKind, hashed
from habla.practice import quiz
from habla.practice.schedule import reschedule
from habla.practice.scheduler import OPEN_KEY

log = logging.getLogger(__name__)

SNOOZE_HOURS = 1.0


async def intercept(services, inbound: Inbound, learner: Learner) -> bool:
    """True when the message answered an open prompt (and was acted on)."""
    if inbound.kind not in (InboundKind.TEXT, InboundKind.INTERACTIVE):
        return False
    if (learner.profile.model_extra or {}).get(OPEN_KEY) is None:
        return False
    action = say.action_of(inbound.text)
    if action is None:
        return False
    await services.store.update_profile_key(learner.id, OPEN_KEY, lambda _old: None)
    log.info("practice prompt answered learner=%s action=%s", hashed(learner.id), action)
    if action == "start":
        await quiz.start(services, inbound, learner)
        return True
    profile = learner.profile
    if action == "later":
        # a snooze is a time we pick, so it moves out of quiet hours (domain.practice_schedule)
        until = rules.snoozed_until(inbound.received_at, SNOOZE_HOURS, profile.timezone)
        signature = rules.signature(profile.reminder_times, profile.timezone)
        await services.store.schedule.put(learner.id, signature, until, inbound.received_at)
        await _reply(services, inbound, say.text("later", profile.native_language))
        return True
    changed = await services.store.update_profile(learner.id, lambda p: p.model_copy(update={"reminder_times": []}))
    await reschedule(services, Learner(learner.id, learner.channel, learner.address, changed or profile),
                     inbound.received_at)
    await _reply(services, inbound, say.text("stopped", profile.native_language))
    return True


async def _reply(services, inbound: Inbound, text: str) -> None:
    outbound_id = uuid.uuid5(uuid.NAMESPACE_URL, f"{inbound.channel}:{inbound.message_id}:practice-prompt").hex
    await outbox.publish_reply(services, inbound, outbound_id, text)
