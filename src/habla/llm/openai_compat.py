"""Any endpoint that speaks OpenAI's chat completions: OpenAI, Groq, OpenRouter, Ollama, vLLM, llama.cpp server.

The SDK's own retries are off (``max_retries=0``): the router owns retries and fallback, and counts every
attempt. Errors become ``LLMError`` with a ``kind``; messages name the model and the failure, never the key
or the provider's error text (which can echo part of the key).
"""

from __future__ import annotations

import json
import logging

import openai
from openai import AsyncOpenAI
from openai.types.chat import ChatCompletion

from habla.errors import LLMBadResponse, LLMError
from habla.domain.text import estimate_tokens
from habla.llm.base import ChatMessage, Completion
from habla.llm.sdk_errors import map_sdk_error
from habla.llm.structured import JsonSpec, with_hint

logger = logging.getLogger(__name__)

# Strongest first. OpenAI, Groq, vLLM, llama.cpp's server and Ollama accept json_schema; some endpoints only
# json_object; any endpoint can be prompted.
JSON_MODES = ("json_schema", "json_object", "prompt")

# Local servers (Ollama, llama.cpp, vLLM) ignore the key, but the SDK insists on one.
NO_KEY = "not-needed"




class OpenAICompatLLM:
    provider = "openai"

    def __init__(
        self,
        *,
        model: str,
        base_url: str | None = None,
        api_key: str | None = None,
        client: AsyncOpenAI | None = None,
    ) -> None:
        self.model = model
        self.json_mode = JSON_MODES[0]  # steps down when the endpoint refuses a response_format
        self._client = client or AsyncOpenAI(base_url=base_url, api_key=api_key or NO_KEY, max_retries=0)

    async def complete(self, messages: list[ChatMessage], *, max_tokens: int, timeout_s: float) -> Completion:
        return await self._post(messages, {}, max_tokens=max_tokens, timeout_s=timeout_s)

    async def complete_json(
        self, messages: list[ChatMessage], spec: JsonSpec, *, max_tokens: int, timeout_s: float
    ) -> Completion:
        """``json_schema`` (strict), else ``json_object``, else the schema in the prompt.

        An endpoint that answers 400/422 to a ``response_format`` is asked the next way down; once a lower way
        worked, later calls start there (no 400 per call). The schema goes in the prompt for ``json_object``
        too: that mode promises JSON, not its shape (and OpenAI refuses it unless the messages say "JSON").
        """
        for index in range(JSON_MODES.index(self.json_mode), len(JSON_MODES)):
            mode = JSON_MODES[index]
            extra, asked = _json_request(mode, messages, spec)
            try:
                completion = await self._post(asked, extra, max_tokens=max_tokens, timeout_s=timeout_s)
            except LLMError as err:
                if err.kind != "bad_request" or mode == "prompt":
                    raise
                logger.warning("%s refused response_format %s (%s); trying the next way", self.model, mode, err)
                continue
            if mode != self.json_mode:
                logger.warning("%s: structured outputs now use %s", self.model, mode)
                self.json_mode = mode
            return completion
        raise AssertionError("unreachable")  # "prompt" either returns or raises

    async def _post(
        self, messages: list[ChatMessage], extra: dict, *, max_tokens: int, timeout_s: float
    ) -> Completion:
        payload = [{"role": m.role, "content": m.content} for m in messages]
        try:
            # max_tokens rather than max_completion_tokens: every compatible server accepts it.
            # The body is posted as-is: `chat.completions.create` runs the SDK's recursive TypedDict
            # transform over every message, which cost ~7 ms of CPU a turn at 8 turns of history
            # (bench/turn_overhead.py); our payload is already plain JSON, so there is nothing to transform.
            response = await self._client.post(
                "/chat/completions",
                body={"model": self.model, "messages": payload, "max_tokens": max_tokens, **extra},
                cast_to=ChatCompletion,
                options={"timeout": timeout_s},
            )
        except openai.OpenAIError as err:
            raise self._map_error(err) from err
        except json.JSONDecodeError as err:  # a JSON content type over a body that is not JSON
            raise LLMBadResponse(f"{self.model}: reply is not valid JSON") from err
        text = self._text_of(response)
        return Completion(
            text=text,
            tokens_in=self._usage(response, "prompt_tokens") or sum(estimate_tokens(m.content) for m in messages),
            tokens_out=self._usage(response, "completion_tokens") or estimate_tokens(text),
            model=getattr(response, "model", None) or self.model,
        )

    async def aclose(self) -> None:
        await self._client.close()

    def _text_of(self, response: object) -> str:
        # The SDK hands back a plain str when the body is not JSON, and does not validate shapes.
        if not isinstance(response, ChatCompletion):
            raise LLMBadResponse(f"{self.model}: reply is not a chat completion")
        choices = getattr(response, "choices", None)
        if not choices:
            raise LLMBadResponse(f"{self.model}: reply has no choices")
        message = getattr(choices[0], "message", None)
        text = getattr(message, "content", None)
        if not isinstance(text, str) or not text.strip():
            finish = getattr(choices[0], "finish_reason", None)
            raise LLMBadResponse(f"{self.model}: reply is empty (finish_reason={finish})")
        return text

    @staticmethod
    def _usage(response: object, field: str) -> int:
        value = getattr(getattr(response, "usage", None), field, None)
        return value if isinstance(value, int) and value > 0 else 0

    def _map_error(self, err: Exception) -> LLMError:
        return map_sdk_error(openai, err, self.model, "chat completion")


def _json_request(mode: str, messages: list[ChatMessage], spec: JsonSpec) -> tuple[dict, list[ChatMessage]]:
    """The extra body fields and the messages for one way of asking for JSON."""
    if mode == "json_schema":
        schema = {"name": spec.name, "description": spec.description, "schema": spec.strict, "strict": True}
        return {"response_format": {"type": "json_schema", "json_schema": schema}}, messages
    if mode == "json_object":
        return {"response_format": {"type": "json_object"}}, with_hint(messages, spec)
    return {}, with_hint(messages, spec)
