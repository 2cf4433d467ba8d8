"""The ``local`` provider: a GGUF model run by llama.cpp inside this process (``habla.llm.local_engine``).

Structured answers are constrained by a grammar made from the schema (``xllamacpp.json_schema_to_grammar``,
llguidance inside), so even a tiny model can only emit JSON of the asked shape; the schema is also put in the
system message, so the model knows what the keys mean.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

from habla.config import LocalLLMSettings
from habla.domain.text import estimate_tokens
from habla.errors import LLMBadResponse
from habla.llm.base import ChatMessage, Completion
from habla.llm.local_engine import LocalEngine, engine_for
from habla.llm.structured import JsonSpec, with_hint


class LocalLLM:
    provider = "local"

    def __init__(self, *, path: Path, local: LocalLLMSettings, model: str | None = None) -> None:
        self.path = path
        self.model = model or path.name  # what the operator configured, so records group by it
        self._local = local

    @property
    def engine(self) -> LocalEngine:
        return engine_for(self.path, self._local)  # the process-wide one; nothing loads until a call

    async def complete(self, messages: list[ChatMessage], *, max_tokens: int, timeout_s: float) -> Completion:
        return await self._generate(messages, {}, max_tokens=max_tokens, timeout_s=timeout_s)

    async def complete_json(
        self, messages: list[ChatMessage], spec: JsonSpec, *, max_tokens: int, timeout_s: float
    ) -> Completion:
        extra = {"grammar": _grammar(json.dumps(spec.constrained, sort_keys=True))}
        return await self._generate(with_hint(messages, spec), extra, max_tokens=max_tokens, timeout_s=timeout_s)

    async def _generate(self, messages: list[ChatMessage], extra: dict, *, max_tokens: int, timeout_s: float) -> Completion:
        request = {"messages": [{"role": m.role, "content": m.content} for m in messages], "max_tokens": max_tokens, **extra}
        generation = await self.engine.generate(request, timeout_s)
        text = generation.text
        if not text.strip():
            raise LLMBadResponse(f"{self.model}: reply is empty (finish_reason={generation.finish_reason})")
        timings = generation.timings
        return Completion(
            text=text,
            tokens_in=int(timings.get("prompt_n") or 0) + int(timings.get("cache_n") or 0) or sum(estimate_tokens(m.content) for m in messages),
            tokens_out=int(timings.get("predicted_n") or 0) or estimate_tokens(text),
            model=self.model,
            first_token_at=generation.first_token_at,
        )

    async def aclose(self) -> None:
        # The model stays loaded: it is the process's, shared by both tiers and every Services built here.
        self.engine.stop_all()


@functools.lru_cache(maxsize=32)
def _grammar(schema_json: str) -> str:
    import xllamacpp

    schema = json.loads(schema_json)
    # Compact JSON: without this a small model pads its answer with newlines and spends its tokens on them.
    schema["x-guidance"] = {"whitespace_flexible": False}
    return xllamacpp.json_schema_to_grammar(schema)
