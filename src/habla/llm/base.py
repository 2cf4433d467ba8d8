"""The LLM port: one chat completion, plus what the router records about every call."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from habla.domain.chat import CallRecord, ChatMessage, Role, Tier  # noqa: F401  (the port speaks in these)


@dataclass(frozen=True)
class Completion:
    text: str
    tokens_in: int
    tokens_out: int
    model: str


class LLM(Protocol):
    provider: str
    model: str

    async def complete(self, messages: list[ChatMessage], *, max_tokens: int, timeout_s: float) -> Completion:
        """One completion. Raises LLMError subclasses; never returns an empty text."""

    async def aclose(self) -> None: ...


class CallRecorder(Protocol):
    async def record(self, call: CallRecord) -> None: ...
