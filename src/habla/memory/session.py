"""Session context: the last messages, the current topic, this session's errors, and a running summary.

Read and written on the reply path, so never in the database: Redis hashes and lists when HABLA_REDIS_URL is
set (``session_redis``), otherwise this module's in-process store. Both expire a session ``session_ttl_s``
after its last write. Keyed by learner id (never a phone number).

Fields other than messages are only written to a session that exists (``update``), so a late write from the
memory agent cannot resurrect a session that "delete my data" just removed.
"""

from __future__ import annotations

import time
from typing import Protocol

from pydantic import BaseModel, Field

MAX_SESSION_ERRORS = 10


class SessionMessage(BaseModel):
    seq: int
    role: str  # user | assistant
    text: str
    at: float


class SessionState(BaseModel):
    messages: list[SessionMessage] = Field(default_factory=list)  # oldest first
    topic: str | None = None
    errors: list[str] = Field(default_factory=list)
    summary: str = ""
    summary_upto: int = 0  # seq of the newest message folded into the summary
    last_at: float | None = None
    pending: str | None = None  # a privacy command awaiting confirmation ("forget")
    pending_until: float = 0.0
    memory_retry_at: int = 0  # after a failed profile update, wait for this many pending turns

    def unsummarised(self) -> list[SessionMessage]:
        return [message for message in self.messages if message.seq > self.summary_upto]


UPDATABLE = {"topic", "summary", "summary_upto", "pending", "pending_until", "memory_retry_at"}


class SessionStore(Protocol):
    async def load(self, learner_id: str) -> SessionState: ...

    async def record(self, learner_id: str, messages: list[tuple[str, str]], errors: list[str], now: float) -> float | None:
        """Append messages and errors, refresh the TTL; returns the previous last write time (None: new)."""

    async def update(self, learner_id: str, **fields: object) -> bool:
        """Set fields of an existing session (see UPDATABLE); False when there is none."""

    async def clear(self, learner_id: str) -> None: ...

    async def aclose(self) -> None: ...


class LocalSessionStore:
    """The embedded default: a dict in this process, with the same TTL as Redis."""

    def __init__(self, max_messages: int = 20, ttl_s: float = 24 * 3600, clock=time.time) -> None:
        self._max = max_messages
        self._ttl = ttl_s
        self._clock = clock
        self._sessions: dict[str, tuple[float, SessionState, int]] = {}  # id -> (expires, state, next seq)

    def _live(self, learner_id: str) -> tuple[float, SessionState, int] | None:
        entry = self._sessions.get(learner_id)
        if entry is not None and entry[0] <= self._clock():
            del self._sessions[learner_id]
            return None
        return entry

    def _expire_some(self) -> None:
        """Drop expired sessions. Entries are kept in write order (``record`` re-inserts), and every write
        sets the same TTL, so the expired ones are at the front."""
        now = self._clock()
        while self._sessions:
            key, (expires, _, _) = next(iter(self._sessions.items()))
            if expires > now:
                break
            del self._sessions[key]

    async def load(self, learner_id: str) -> SessionState:
        entry = self._live(learner_id)
        return entry[1].model_copy(deep=True) if entry else SessionState()

    async def record(self, learner_id: str, messages: list[tuple[str, str]], errors: list[str], now: float) -> float | None:
        self._expire_some()
        entry = self._live(learner_id)
        state, seq = (entry[1], entry[2]) if entry else (SessionState(), 1)
        previous = state.last_at
        for role, text in messages:
            state.messages.append(SessionMessage(seq=seq, role=role, text=text, at=now))
            seq += 1
        state.messages = state.messages[-self._max :]
        state.errors = (state.errors + errors)[-MAX_SESSION_ERRORS:]
        state.last_at = now
        self._sessions.pop(learner_id, None)  # to the end: the dict stays in expiry order
        self._sessions[learner_id] = (self._clock() + self._ttl, state, seq)
        return previous

    async def update(self, learner_id: str, **fields: object) -> bool:
        unknown = set(fields) - UPDATABLE
        if unknown:
            raise ValueError(f"not updatable: {sorted(unknown)}")
        entry = self._live(learner_id)
        if entry is None:
            return False
        expires, state, seq = entry
        self._sessions[learner_id] = (expires, state.model_copy(update=fields), seq)
        return True

    async def clear(self, learner_id: str) -> None:
        self._sessions.pop(learner_id, None)

    async def aclose(self) -> None:
        self._sessions.clear()
