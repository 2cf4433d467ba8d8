"""The memory agent: off the reply path, it turns conversations into a profile and recallable memories.

Consumes "turn.done" (published by the conversation agent after every turn) and "session.end". For each:

1. folds old session messages into the running summary when the window is full (``memory.summariser``);
2. updates the profile when ``memory.update_every`` learner turns wait since the last update, or when a
   session ended (the learner came back after ``session_idle_minutes``, or a "session.end" arrived): one
   structured LLM call (``LLMRouter.complete_json``) for a ``ProfileUpdate``, merged by
   ``domain.profile.merge_update``, plus the summary and key moments stored as memories with embeddings.

Idempotent: the turns read are those after ``profile.memory_cursor`` (advanced in the same transaction as
the merge), memory ids derive from the turns they summarise, so a redelivered message changes nothing twice.
An answer that does not validate changes nothing; the next attempt waits for ``update_every`` more turns.
"""

from __future__ import annotations

import hashlib
import logging
import time

from habla.bus.base import Envelope
from habla.domain.learner import Learner, Profile, Turn
from habla.domain.memory_prompts import update_messages
from habla.domain.messages import hashed
from habla.domain.profile import MemoryNote, ProfileUpdate, merge_update
from habla.domain.recall import terms_field
from habla.errors import LLMInvalidOutput, LLMNotConfigured, LLMUnavailable
from habla.memory import SESSION_END, TURN_DONE
from habla.memory.embeddings import EmbeddingError
from habla.storage.memories import NewMemory
from habla.memory.session import SessionState
from habla.memory.summariser import fold_if_needed

log = logging.getLogger(__name__)

TOPICS = (TURN_DONE, SESSION_END)
MAX_TURNS_PER_UPDATE = 40


async def handle(envelope: Envelope, services) -> None:
    learner_id = str(envelope.payload.get("learner_id") or "")
    learner = await services.store.learner_by_id(learner_id) if learner_id else None
    if learner is None:
        return  # erased, or never existed
    session = await services.memory.sessions.load(learner.id)
    await fold_if_needed(services, learner.id, session)
    await update_profile(services, learner, session, *_due_window(envelope))


def _due_window(envelope: Envelope) -> tuple[float, bool]:
    """(read the turns up to this time, whether a session ended)."""
    turn_at = float(envelope.payload.get("turn_at") or time.time())
    if envelope.topic == SESSION_END:
        return time.time(), True
    if envelope.payload.get("new_session"):
        return turn_at - 1e-6, True  # the previous session ended: everything before this turn
    return turn_at, False


async def update_profile(services, learner: Learner, session: SessionState, until: float, ended: bool) -> bool:
    """True when the profile was updated."""
    memory = services.memory
    every = max(1, services.settings.memory.update_every)
    turns, count = await services.store.turns_between(learner.id, learner.profile.memory_cursor, until, MAX_TURNS_PER_UPDATE)
    due = count > 0 if ended else count >= max(every, session.memory_retry_at)
    if not due:
        return False
    try:
        answer = await services.llm.complete_json(
            update_messages(learner.profile, turns), ProfileUpdate, prefer="fast", learner_id=learner.id
        )
    except LLMNotConfigured:
        return False
    except (LLMUnavailable, LLMInvalidOutput) as exc:  # nothing is half-applied: the profile is untouched
        log.warning("memory update postponed learner=%s: %s", hashed(learner.id), exc.kind)
        await memory.sessions.update(learner.id, memory_retry_at=count + every)
        return False
    update = answer.value
    await _store_memories(services, learner, turns, update)
    cursor = turns[-1].created_at
    now = time.time()

    def apply(profile: Profile) -> Profile | None:
        if profile.memory_cursor >= cursor:
            return None  # a redelivery: this window is merged already
        return merge_update(profile, update, now).model_copy(update={"memory_cursor": cursor})

    await services.store.update_profile(learner.id, apply)
    await memory.sessions.update(learner.id, memory_retry_at=0)
    log.info("memory updated learner=%s turns=%d facts=%d moments=%d", hashed(learner.id), len(turns), len(update.facts), len(update.moments))
    return True


async def _store_memories(services, learner: Learner, turns: list[Turn], update: ProfileUpdate) -> None:
    notes: list[tuple[str, MemoryNote]] = [("moment", note) for note in update.moments]
    if update.summary is not None:
        notes.insert(0, ("summary", update.summary))
    if not notes:
        return
    embedder = services.memory.embedder
    vectors = None
    if embedder is not None:
        try:
            vectors = await embedder.embed([note.text for _, note in notes])
        except EmbeddingError as exc:  # stored without vectors: lexical recall still finds them
            log.warning("memories stored without vectors learner=%s: %s", hashed(learner.id), exc)
    anchor = turns[-1].id
    created_at = turns[-1].created_at
    rows = [
        NewMemory(
            id=hashlib.sha256(f"{learner.id}:{anchor}:{kind}:{index}".encode()).hexdigest()[:32],
            learner_id=learner.id,
            kind=kind,
            text=note.text,
            terms=terms_field([note.text, *note.keywords]),
            importance=float(note.importance + (1 if kind == "moment" else 0)),
            created_at=created_at,
            embedding=vectors[index] if vectors is not None else None,
            embedding_model=embedder.model_id if embedder is not None else None,
        )
        for index, (kind, note) in enumerate(notes)
    ]
    await services.store.add_memories(rows, services.settings.memory.max_memories)
