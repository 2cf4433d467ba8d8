"""The conversation agent's side of memory: the prompt (session → profile → recall) and the after-turn record.

On the reply path this costs one session read (Redis or in-process) and one session write; recall (one
embedding and one indexed query) only when the learner refers to the past; one read of recent turns only
when the session is cold.
"""

from __future__ import annotations

import logging
import time

from habla.domain.context import SessionView, build_prompt, corrections_in
from habla.domain.learner import Learner, Turn
from habla.domain.messages import Inbound, hashed
from habla.domain.recall import refers_to_past
from habla.domain.chat import ChatMessage
from habla.memory import TURN_DONE
from habla.memory.session import SessionState

log = logging.getLogger(__name__)


async def load_session(services, learner: Learner) -> SessionState:
    """The learner's session; a cold one (first message in a day, or this process restarted with the
    in-process store) is seeded once from the turns of the last ``session_ttl_s``, so a restart forgets nothing."""
    sessions = services.memory.sessions
    session = await sessions.load(learner.id)
    if session.last_at is not None:
        return session
    settings = services.settings.memory
    now = time.time()
    turns, _ = await services.store.turns_between(
        learner.id, now - settings.session_ttl_s, now, max(1, settings.session_messages // 2)
    )
    turns = [turn for turn in turns if turn.tier]
    if not turns:
        return session
    entries = [entry for turn in turns for entry in (("user", turn.user_text), ("assistant", turn.reply_text))]
    await sessions.record(learner.id, entries, [], turns[-1].created_at)
    return await sessions.load(learner.id)


async def prompt_for(services, learner: Learner, session: SessionState, text: str, emoji_only: bool) -> list[ChatMessage]:
    settings = services.settings
    view = SessionView(
        messages=[(m.role, m.text) for m in session.unsummarised()],
        summary=session.summary,
        topic=session.topic,
        errors=session.errors,
    )
    recalled: list[tuple[float, str]] = []
    if refers_to_past(text):
        try:
            found = await services.memory.recall.search(learner.id, text, settings.memory.recall_k)
        except Exception as exc:  # recall enriches the reply; it must never cost the learner their answer
            log.warning("recall failed learner=%s: %s", hashed(learner.id), type(exc).__name__)
            found = []
        recalled = [(memory.created_at, memory.text) for memory in found]
        log.info("recall learner=%s found=%d", hashed(learner.id), len(found))
    return build_prompt(
        learner.profile,
        view,
        text,
        recalled=recalled,
        history_tokens=settings.memory.history_tokens,
        max_messages=2 * settings.tutor.recent_turns,
        emoji_only=emoji_only,
    )


async def after_turn(services, inbound: Inbound, learner: Learner, turn: Turn) -> None:
    """Record the exchange in the session and tell the memory agent; a failure here costs no reply."""
    now = time.time()
    modelled = bool(turn.tier)  # notices (no model involved) stay out of the session, as out of prompts
    entries = [("user", turn.user_text), ("assistant", turn.reply_text)] if modelled else []
    errors = corrections_in(turn.reply_text) if modelled else []
    try:
        previous = await services.memory.sessions.record(learner.id, entries, errors, now)
        idle_s = services.settings.memory.session_idle_minutes * 60
        new_session = previous is None or now - previous > idle_s
        payload = {"learner_id": learner.id, "turn_id": turn.id, "turn_at": turn.created_at, "new_session": new_session}
        await services.bus.publish(TURN_DONE, inbound.learner_key, payload)
    except Exception as exc:  # the session is a cache and the memory agent catches up from the turns table
        log.warning("session not recorded learner=%s: %s", hashed(learner.id), type(exc).__name__)
