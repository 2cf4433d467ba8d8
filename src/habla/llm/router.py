"""Two tiers (fast, smart), bounded retries, fallback, and a record of every attempt.

The preferred tier is tried first (or the other one when it is not configured). A tier gets its own
``max_retries`` extra attempts, but only for failures that may pass on their own (timeouts, rate limits,
server errors, dropped connections); an auth error or a bad request is not retried on the same endpoint.
Then the other tier gets its turn. Every attempt, ok or not, becomes a ``CallRecord``: the basis of cost
accounting and of the latency figures.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from pydantic import BaseModel

from habla.config import LLMSettings, LLMTierSettings
from habla.errors import LLMError, LLMInvalidOutput, LLMNotConfigured, LLMUnavailable
from habla.llm.base import LLM, CallRecord, CallRecorder, ChatMessage, Completion, Tier
from habla.llm.registry import build_llm, effective_settings
from habla.llm.structured import InvalidAnswer, Structured, retry_messages, spec_for, validate

logger = logging.getLogger(__name__)

T = TypeVar("T", bound=BaseModel)
RETRYABLE_KINDS = frozenset({"timeout", "rate_limited", "server_error", "connection"})
MAX_BACKOFF_S = 2.0


def is_retryable(err: LLMError) -> bool:
    return getattr(err, "kind", "error") in RETRYABLE_KINDS


class LLMRouter:
    def __init__(
        self,
        fast: LLM | None,
        smart: LLM | None,
        settings: LLMSettings,
        recorder: CallRecorder | None = None,
        *,
        backoff_s: float = 0.25,
    ) -> None:
        self._llms: dict[Tier, LLM | None] = {"fast": fast, "smart": smart}
        self._settings = settings
        self._recorder = recorder
        self._backoff_s = backoff_s

    @property
    def configured(self) -> bool:
        return any(llm is not None for llm in self._llms.values())

    def tier_model(self, tier: Tier) -> str | None:
        llm = self._llms[tier]
        return llm.model if llm is not None else None

    async def complete_text(
        self, messages: list[ChatMessage], *, prefer: Tier = "fast", learner_id: str | None = None
    ) -> tuple[Completion, Tier]:
        """A free-text completion and the tier that produced it (the tutor's turn, a transcript repair);
        ``complete_json`` is its structured twin.

        Raises LLMNotConfigured when no tier has a model, LLMUnavailable when every attempt failed.
        """

        def call(llm: LLM, tier: LLMTierSettings) -> Awaitable[Completion]:
            return llm.complete(messages, max_tokens=tier.max_tokens, timeout_s=tier.timeout_s)

        return await self._route(call, prefer, learner_id)

    async def complete_json(
        self, messages: list[ChatMessage], schema: type[T], *, prefer: Tier = "fast", learner_id: str | None = None
    ) -> Structured[T]:
        """A validated ``schema`` instance: the only way Habla asks a model for JSON.

        Each provider asks its strongest way (``habla.llm.structured``); the answer is validated with pydantic;
        an invalid one gets one more try that shows the model the error; then ``LLMInvalidOutput``, so the
        caller changes nothing. LLMNotConfigured / LLMUnavailable as for ``reply``.
        """
        spec = spec_for(schema)
        asked = messages
        problem = ""
        for attempt in (1, 2):

            def call(llm: LLM, tier: LLMTierSettings) -> Awaitable[Completion]:
                return llm.complete_json(asked, spec, max_tokens=tier.max_tokens, timeout_s=tier.timeout_s)

            completion, tier = await self._route(call, prefer, learner_id)
            try:
                return Structured(validate(completion.text, schema), tier, attempt, completion)
            except InvalidAnswer as err:
                problem = str(err)
                logger.warning("%s answer %d from the %s tier refused: %s", spec.name, attempt, tier, problem.splitlines()[0])
                asked = retry_messages(messages, completion.text, problem)
        raise LLMInvalidOutput(f"{spec.name}: no valid answer in 2 tries ({problem.splitlines()[0]})")

    async def _route(
        self, call: Callable[[LLM, LLMTierSettings], Awaitable[Completion]], prefer: Tier, learner_id: str | None
    ) -> tuple[Completion, Tier]:
        order = [t for t in _order(prefer) if self._llms[t] is not None]
        if not order:
            raise LLMNotConfigured(
                "no LLM is configured: run `habla model pull` for a local model, or set HABLA_LLM__FAST__MODEL "
                "(and base URL / API key) for an endpoint"
            )
        failures: list[str] = []
        last: LLMError | None = None
        for tier in order:
            llm = self._llms[tier]
            assert llm is not None
            try:
                return await self._try_tier(tier, llm, call, learner_id), tier
            except LLMError as err:
                last = err
                failures.append(f"{tier} tier ({llm.provider} {llm.model}): {err.kind}")
                logger.warning("LLM %s tier failed (%s %s): %s", tier, llm.provider, llm.model, err.kind)
        raise LLMUnavailable("every LLM tier failed: " + "; ".join(failures)) from last

    async def _try_tier(
        self,
        tier: Tier,
        llm: LLM,
        call: Callable[[LLM, LLMTierSettings], Awaitable[Completion]],
        learner_id: str | None,
    ) -> Completion:
        tier_settings: LLMTierSettings = getattr(self._settings, tier)
        attempts = 1 + max(0, tier_settings.max_retries)
        for attempt in range(attempts):
            started = time.perf_counter()
            try:
                completion = await call(llm, tier_settings)
            except LLMError as err:
                await self._record(tier, llm, started, learner_id, error=err)
                if attempt + 1 >= attempts or not is_retryable(err):
                    raise
                await asyncio.sleep(self._backoff(attempt))
                continue
            await self._record(tier, llm, started, learner_id, completion=completion)
            return completion
        raise AssertionError("unreachable")  # the loop either returns or raises

    def _backoff(self, attempt: int) -> float:
        """Exponential with full jitter, so many workers hitting one rate limit do not retry in step."""
        return random.uniform(0, min(MAX_BACKOFF_S, self._backoff_s * 2**attempt))

    async def _record(
        self,
        tier: Tier,
        llm: LLM,
        started: float,
        learner_id: str | None,
        *,
        completion: Completion | None = None,
        error: LLMError | None = None,
    ) -> None:
        if self._recorder is None:
            return
        record = CallRecord(
            tier=tier,
            provider=llm.provider,
            model=llm.model,  # the configured name, so ok and failed attempts group together
            ok=completion is not None,
            tokens_in=completion.tokens_in if completion else 0,
            tokens_out=completion.tokens_out if completion else 0,
            latency_ms=(time.perf_counter() - started) * 1000,
            error=error.kind if error is not None else None,
            learner_id=learner_id,
        )
        try:
            await self._recorder.record(record)
        except Exception:  # accounting must not cost the learner their reply
            logger.exception("could not record an LLM call")

    async def aclose(self) -> None:
        seen: set[int] = set()
        for llm in self._llms.values():
            if llm is not None and id(llm) not in seen:
                seen.add(id(llm))
                await llm.aclose()


def _order(prefer: Tier) -> list[Tier]:
    return ["smart", "fast"] if prefer == "smart" else ["fast", "smart"]


def build_router(settings: LLMSettings, recorder: CallRecorder | None = None) -> LLMRouter:
    """The two tiers as configured; with neither configured, a model pulled into the models folder."""
    settings = effective_settings(settings)
    return LLMRouter(build_llm(settings.fast, settings.local), build_llm(settings.smart, settings.local), settings, recorder)
