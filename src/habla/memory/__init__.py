"""Learner memory: session context, profile updates, recall, sliding-window summaries, forget and export.

Layers, read in this order when the tutor builds a prompt (``memory.context``):

1. session (``session``, ``session_redis``): the last messages, topic, errors, running summary; Redis or
   in-process, 24 h TTL, never the database on the reply path;
2. profile (``domain.profile``, in the learners table): facts with validity, vocabulary, errors, goals…;
3. recall (``recall``, ``repository``): summaries and key moments with embeddings, searched only when the
   learner refers to the past.

The memory agent (``agents.memory``) writes 2 and 3 off the reply path from the "turn.done" topic, and folds
old session messages into the running summary (``summariser``). ``privacy`` handles "delete my data" and
"export my data".
"""

from __future__ import annotations

from dataclasses import dataclass

from habla.config import Settings
from habla.memory.embeddings import Embedder, build_embedder
from habla.memory.recall import Recall
from habla.memory.session import LocalSessionStore, SessionStore
from habla.storage.memories import MemoryTable

TURN_DONE = "turn.done"  # payload: learner_id, turn_id, turn_at, new_session; key: the learner key
SESSION_END = "session.end"  # payload: learner_id; for a scheduler that notices idle sessions


@dataclass
class Memory:
    sessions: SessionStore
    embedder: Embedder | None
    recall: Recall

    async def aclose(self) -> None:
        await self.sessions.aclose()
        if self.embedder is not None:
            await self.embedder.aclose()


def build_session_store(settings: Settings) -> SessionStore:
    if settings.redis_url:
        from habla.memory.session_redis import RedisSessionStore

        return RedisSessionStore(
            settings.redis_url, settings.bus.namespace, settings.memory.session_messages, settings.memory.session_ttl_s
        )
    return LocalSessionStore(settings.memory.session_messages, settings.memory.session_ttl_s)


def build_memory(settings: Settings, store: MemoryTable) -> Memory:
    embedder = build_embedder(settings.embeddings)
    return Memory(
        sessions=build_session_store(settings), embedder=embedder, recall=Recall(store, embedder)
    )
