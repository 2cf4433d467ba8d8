"""The LLM port: one chat completion (free text or JSON of a schema), plus what the router records."""

from __future__ import annotations

from typing import Protocol

from habla.domain.chat import CallRecord, ChatMessage, Completion, Role, Tier  # noqa: F401  (the port speaks in these)
from habla.llm.structured import JsonSpec


class LLM(Protocol):
    provider: str
    model: str

    async def complete(self, messages: list[ChatMessage], *, max_tokens: int, timeout_s: float) -> Completion:
        """One completion. Raises LLMError subclasses; never returns an empty text."""

    async def complete_json(
        self, messages: list[ChatMessage], spec: JsonSpec, *, max_tokens: int, timeout_s: float
    ) -> Completion:
        """A completion whose text should be one JSON object of ``spec``, asked for the provider's strongest
        way. The caller validates it (``habla.llm.structured``)."""

    async def aclose(self) -> None: ...


class CallRecorder(Protocol):
    async def record(self, call: CallRecord) -> None: ...
