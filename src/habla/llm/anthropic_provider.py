"""Anthropic's Messages API.

System messages go into the top-level ``system`` parameter (the API rejects a ``system`` role in
``messages``). SDK retries are off; the router owns them. Errors become ``LLMError`` with a ``kind``.
"""

from __future__ import annotations

import json
import logging

import anthropic
from anthropic import AsyncAnthropic
from anthropic.types import Message

from habla.errors import LLMBadResponse, LLMError
from habla.domain.text import estimate_tokens
from habla.llm.base import ChatMessage, Completion
from habla.llm.sdk_errors import map_sdk_error
from habla.llm.structured import JsonSpec, with_hint

logger = logging.getLogger(__name__)

# Without an explicit key the SDK goes looking in the environment and in profiles on disk: we never want that.
NO_KEY = "not-needed"




class AnthropicLLM:
    provider = "anthropic"

    def __init__(
        self,
        *,
        model: str,
        base_url: str | None = None,
        api_key: str | None = None,
        client: AsyncAnthropic | None = None,
    ) -> None:
        self.model = model
        self.json_mode = "tool"  # "prompt" once the endpoint refused a forced tool
        self._client = client or AsyncAnthropic(base_url=base_url, api_key=api_key or NO_KEY, max_retries=0)

    async def complete(self, messages: list[ChatMessage], *, max_tokens: int, timeout_s: float) -> Completion:
        response = await self._create(messages, {}, max_tokens=max_tokens, timeout_s=timeout_s)
        return self._completion(response, self._text_of(response), messages)

    async def complete_json(
        self, messages: list[ChatMessage], spec: JsonSpec, *, max_tokens: int, timeout_s: float
    ) -> Completion:
        """A forced tool whose input schema is the schema: the tool call's input is the answer.

        An endpoint that refuses tools (400) is prompted with the schema instead, and stays so.
        """
        if self.json_mode == "tool":
            tool = {"name": spec.name, "description": spec.description, "input_schema": spec.strict}
            extra = {"tools": [tool], "tool_choice": {"type": "tool", "name": spec.name}}
            try:
                response = await self._create(messages, extra, max_tokens=max_tokens, timeout_s=timeout_s)
                return self._completion(response, self._tool_input_of(response, spec.name), messages)
            except LLMError as err:
                if err.kind != "bad_request":
                    raise
                logger.warning("%s refused a forced tool (%s); asking for JSON in the prompt", self.model, err)
        asked = with_hint(messages, spec)
        response = await self._create(asked, {}, max_tokens=max_tokens, timeout_s=timeout_s)
        self.json_mode = "prompt"  # reached only when tools were refused, or already refused before
        return self._completion(response, self._text_of(response), asked)

    async def _create(self, messages: list[ChatMessage], extra: dict, *, max_tokens: int, timeout_s: float) -> Message:
        system = "\n\n".join(m.content for m in messages if m.role == "system")
        turns = [{"role": m.role, "content": m.content} for m in messages if m.role != "system"]
        if system:
            extra = {**extra, "system": system}
        try:
            response = await self._client.messages.create(
                model=self.model, messages=turns, max_tokens=max_tokens, timeout=timeout_s, **extra
            )
        except anthropic.AnthropicError as err:
            raise self._map_error(err) from err
        except json.JSONDecodeError as err:  # a JSON content type over a body that is not JSON
            raise LLMBadResponse(f"{self.model}: reply is not valid JSON") from err
        # The SDK hands back a plain str when the body is not JSON, and does not validate shapes.
        if not isinstance(response, Message):
            raise LLMBadResponse(f"{self.model}: reply is not a message")
        return response

    def _completion(self, response: Message, text: str, messages: list[ChatMessage]) -> Completion:
        usage = getattr(response, "usage", None)
        return Completion(
            text=text,
            tokens_in=_input_tokens(usage) or sum(estimate_tokens(m.content) for m in messages),
            tokens_out=_int(getattr(usage, "output_tokens", None)) or estimate_tokens(text),
            model=getattr(response, "model", None) or self.model,
        )

    def _tool_input_of(self, response: Message, name: str) -> str:
        for block in getattr(response, "content", None) or []:
            if getattr(block, "type", None) == "tool_use" and getattr(block, "name", None) == name:
                return json.dumps(getattr(block, "input", None), ensure_ascii=False)
        stop = getattr(response, "stop_reason", None)
        raise LLMBadResponse(f"{self.model}: reply has no {name} tool call (stop_reason={stop})")

    async def aclose(self) -> None:
        await self._client.close()

    def _text_of(self, response: Message) -> str:
        blocks = getattr(response, "content", None) or []
        text = "".join(getattr(b, "text", "") or "" for b in blocks if getattr(b, "type", None) == "text")
        if not text.strip():
            stop = getattr(response, "stop_reason", None)
            raise LLMBadResponse(f"{self.model}: reply has no text (stop_reason={stop})")
        return text

    def _map_error(self, err: Exception) -> LLMError:
        return map_sdk_error(anthropic, err, self.model, "message")


def _int(value: object) -> int:
    return value if isinstance(value, int) and value > 0 else 0


def _input_tokens(usage: object) -> int:
    """Every input token the request consumed: cache reads and writes are reported apart from input_tokens."""
    fields = ("input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens")
    return sum(_int(getattr(usage, f, None)) for f in fields)
