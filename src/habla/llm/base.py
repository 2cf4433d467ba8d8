"""The LLM port: one chat completion, plus what the router records about every call."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

Role = Literal["system", "user", "assistant"]
Tier = Literal["fast", "smart"]


@dataclass(frozen=True)
class ChatMessage:
    role: Role
    content: str


@dataclass(frozen=True)
class Completion:
    text: str
    tokens_in: int
    tokens_out: int
    model: str


@dataclass(frozen=True)
class CallRecord:
    """What the router notes about each attempt: the basis of cost accounting."""

    tier: Tier
    provider: str
    model: str
    ok: bool
    tokens_in: int
    tokens_out: int
    latency_ms: float
    error: str | None = None
    learner_id: str | None = None


class LLM(Protocol):
    provider: str
    model: str

    async def complete(self, messages: list[ChatMessage], *, max_tokens: int, timeout_s: float) -> Completion:
        """One completion. Raises LLMError subclasses; never returns an empty text."""

    async def aclose(self) -> None: ...


class CallRecorder(Protocol):
    async def record(self, call: CallRecord) -> None: ...
