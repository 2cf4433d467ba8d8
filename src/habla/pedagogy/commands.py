"""The command layer, step 5 of the conversation agent: "show me my words", "remind me at 8", "easier"…

``intercept`` reads the message with the cheap rules (``domain.commands.parse``); only a message the rules
miss that still looks like a request (short, naming one of the tutor's features: ``might_be_request``) costs
one structured classification call, so ordinary conversation never pays for it. A command's answer goes out
through the outbox under an id derived from the inbound message, so a redelivered webhook never answers
twice; like privacy answers, a command makes no turn (it is not conversation the level or memory should read).
"""

from __future__ import annotations

import logging
import uuid
from typing import Literal

from pydantic import BaseModel, Field

from habla.agents.outbox import publish_reply
from habla.domain.chat import ChatMessage
from habla.domain.commands import Command, CommandKind, language_code, might_be_request, parse
from habla.domain.messages import Inbound, InboundKind, hashed
from habla.errors import LLMInvalidOutput, LLMNotConfigured, LLMUnavailable
from habla.memory.session import SessionState
from habla.pedagogy.command_answers import answer

log = logging.getLogger(__name__)


class CommandGuess(BaseModel):
    """The model's reading of a message the rules missed: a command, or "conversation"."""

    kind: CommandKind | Literal["conversation"]
    verb: str | None = Field(default=None, max_length=60)
    table: Literal["articles", "pronouns"] | None = None
    times: list[str] = Field(default_factory=list, max_length=5)
    language: str | None = Field(default=None, max_length=30)
    place: str | None = Field(default=None, max_length=80)


_CLASSIFY = (
    "You route messages sent to a language tutor. Decide whether the learner's message is a REQUEST to the "
    "tutor app itself, and which one: verb (conjugation table; verb = the verb named, or null), table "
    "(articles or pronouns), words (their flashcards), mistakes, progress, remind (times as HH:MM 24h), "
    "stop_reminders, easier, harder, gentler (fewer corrections), stricter (more corrections), explanations "
    "(language = ISO 639-1 code of the language explanations should be in), timezone (place = the city or "
    "country the learner says they are in, as they wrote it), help. Anything else, including any "
    "sentence that merely talks about verbs, words, mistakes or reminders, is conversation. When unsure: "
    "conversation."
)


def outbound_id(inbound: Inbound) -> str:
    return uuid.uuid5(uuid.NAMESPACE_URL, f"{inbound.channel}:{inbound.message_id}:command").hex


async def intercept(services, inbound: Inbound, learner, session: SessionState) -> bool:
    """True when the message was a command and has been answered."""
    if inbound.kind not in (InboundKind.TEXT, InboundKind.INTERACTIVE) or not inbound.text:
        return False
    command, source = parse(inbound.text), "rules"
    if command is None and might_be_request(inbound.text):
        command, source = await _classify(services, learner, inbound.text), "model"
    if command is None:
        return False
    once = outbound_id(inbound)
    reply = await answer(services, learner, command, once)
    await publish_reply(services, inbound, once, reply.text, cards=reply.cards)
    log.info("command=%s by=%s learner=%s", command.kind, source, hashed(learner.id))
    return True


async def _classify(services, learner, text: str) -> Command | None:
    messages = [ChatMessage(role="system", content=_CLASSIFY), ChatMessage(role="user", content=text[:500])]
    try:
        guess = (await services.llm.complete_json(messages, CommandGuess, prefer="fast", learner_id=learner.id)).value
    except (LLMInvalidOutput, LLMNotConfigured, LLMUnavailable) as exc:
        log.info("command classification skipped learner=%s (%s)", hashed(learner.id), type(exc).__name__)
        return None
    if guess.kind == "conversation":
        return None
    times = [t for t in guess.times if len(t) == 5 and t[2] == ":" and t[:2].isdigit() and int(t[:2]) < 24]
    language = language_code(guess.language) if guess.language else None
    if guess.kind == "explanations" and language is None:
        return None
    return Command(kind=guess.kind, verb=guess.verb, table=guess.table, times=times, language=language, place=guess.place)
