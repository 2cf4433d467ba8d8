"""The router: tier choice, bounded retries, fallback, and a record of every attempt.

Fast tier = OpenAI-compatible, smart tier = Anthropic, both on the loopback emulator through the real SDKs.
"""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from habla.config import LLMSettings, LLMTierSettings
from habla.domain.escalation import needs_smart_tier
from habla.errors import LLMNotConfigured, LLMUnavailable
from habla.domain.chat import CallRecord, ChatMessage
from habla.llm.registry import build_llm
from habla.llm.router import LLMRouter, build_router
from habla_testkit.emulators.llm import LLMEmulator

USER = ChatMessage("user", "Hoy comí paella")
EXPECTED = "¡Muy bien! Has dicho: «Hoy comí paella». ¿Y tú qué más cuentas?"
OPENAI_PATH, ANTHROPIC_PATH = "/v1/chat/completions", "/v1/messages"


class ListRecorder:
    def __init__(self) -> None:
        self.calls: list[CallRecord] = []

    async def record(self, call: CallRecord) -> None:
        self.calls.append(call)


class BrokenRecorder:
    async def record(self, call: CallRecord) -> None:
        raise RuntimeError("database down")


@pytest.fixture
def emu():
    with LLMEmulator(timeout_sleep_s=2.0) as emulator:
        yield emulator


def settings_for(emu: LLMEmulator, *, fast: bool = True, smart: bool = True, retries: int = 1,
                 timeout_s: float = 5.0) -> LLMSettings:
    def tier(provider: str, base_url: str, model: str, on: bool) -> LLMTierSettings:
        return LLMTierSettings(
            provider=provider, base_url=base_url, model=model if on else None,
            api_key=SecretStr("sk-test-secret"), timeout_s=timeout_s, max_retries=retries, max_tokens=200,
        )

    return LLMSettings(
        fast=tier("openai", emu.openai_base_url, "emu-fast", fast),
        smart=tier("anthropic", emu.anthropic_base_url, "emu-smart", smart),
    )


def router_for(settings: LLMSettings, recorder=None) -> LLMRouter:
    # A short backoff keeps the suite quick; build_router's default is exercised separately.
    return LLMRouter(build_llm(settings.fast), build_llm(settings.smart), settings, recorder, backoff_s=0.01)


def paths(emu: LLMEmulator) -> list[str]:
    return [r["path"] for r in emu.requests]


def summary(calls: list[CallRecord]) -> list[tuple[str, bool, str | None]]:
    return [(c.tier, c.ok, c.error) for c in calls]


async def test_fast_tier_answers_and_is_recorded(emu):
    recorder = ListRecorder()
    router = build_router(settings_for(emu), recorder)
    try:
        completion, tier = await router.complete_text([USER], learner_id="learner-1")
    finally:
        await router.aclose()
    assert (completion.text, tier) == (EXPECTED, "fast")
    (call,) = recorder.calls
    assert (call.tier, call.provider, call.model, call.ok, call.error) == ("fast", "openai", "emu-fast", True, None)
    assert (call.tokens_in, call.tokens_out) == (3, len(EXPECTED.split()))
    assert call.latency_ms > 0
    assert call.learner_id == "learner-1"
    assert paths(emu) == [OPENAI_PATH]


async def test_rate_limit_then_ok_is_retried_on_the_same_tier(emu):
    emu.script(["429", "ok"])
    recorder = ListRecorder()
    router = router_for(settings_for(emu), recorder)
    try:
        completion, tier = await router.complete_text([USER])
    finally:
        await router.aclose()
    assert (completion.text, tier) == (EXPECTED, "fast")
    assert summary(recorder.calls) == [("fast", False, "rate_limited"), ("fast", True, None)]
    assert [c.tokens_out for c in recorder.calls] == [0, len(EXPECTED.split())]
    assert paths(emu) == [OPENAI_PATH, OPENAI_PATH]


async def test_server_errors_on_fast_fall_back_to_smart(emu):
    emu.script(["500", "500"])
    recorder = ListRecorder()
    router = router_for(settings_for(emu, retries=1), recorder)
    try:
        completion, tier = await router.complete_text([USER])
    finally:
        await router.aclose()
    assert (completion.text, tier) == (EXPECTED, "smart")
    assert summary(recorder.calls) == [
        ("fast", False, "server_error"), ("fast", False, "server_error"), ("smart", True, None),
    ]
    assert recorder.calls[-1].provider == "anthropic"
    assert recorder.calls[-1].tokens_in == 3
    assert paths(emu) == [OPENAI_PATH, OPENAI_PATH, ANTHROPIC_PATH]


async def test_timeout_on_fast_falls_back_to_smart(emu):
    emu.script(["timeout"])
    recorder = ListRecorder()
    router = router_for(settings_for(emu, retries=0, timeout_s=0.5), recorder)
    try:
        completion, tier = await router.complete_text([USER])
    finally:
        await router.aclose()
    assert (completion.text, tier) == (EXPECTED, "smart")
    assert summary(recorder.calls) == [("fast", False, "timeout"), ("smart", True, None)]


async def test_garbage_is_not_retried_but_falls_back(emu):
    emu.script(["garbage"])
    recorder = ListRecorder()
    router = router_for(settings_for(emu, retries=2), recorder)
    try:
        _, tier = await router.complete_text([USER])
    finally:
        await router.aclose()
    assert tier == "smart"
    assert summary(recorder.calls) == [("fast", False, "bad_response"), ("smart", True, None)]


async def test_auth_error_is_not_retried(emu):
    emu.script(["401"])
    recorder = ListRecorder()
    router = router_for(settings_for(emu, retries=3), recorder)
    try:
        _, tier = await router.complete_text([USER])
    finally:
        await router.aclose()
    assert tier == "smart"
    assert summary(recorder.calls) == [("fast", False, "auth"), ("smart", True, None)]


async def test_everything_failing_is_unavailable_and_every_attempt_recorded(emu):
    emu.script(["500", "503", "429", "timeout"])
    recorder = ListRecorder()
    router = router_for(settings_for(emu, retries=1, timeout_s=0.5), recorder)
    try:
        with pytest.raises(LLMUnavailable) as caught:
            await router.complete_text([USER], learner_id="l2")
    finally:
        await router.aclose()
    assert summary(recorder.calls) == [
        ("fast", False, "server_error"), ("fast", False, "server_error"),
        ("smart", False, "rate_limited"), ("smart", False, "timeout"),
    ]
    assert all(c.learner_id == "l2" and c.latency_ms > 0 for c in recorder.calls)
    message = str(caught.value)
    assert "fast tier (openai emu-fast): server_error" in message
    assert "smart tier (anthropic emu-smart): timeout" in message
    assert "sk-test-secret" not in message
    assert emu.pending == []


async def test_nothing_configured_raises_not_configured(emu):
    recorder = ListRecorder()
    router = build_router(LLMSettings(), recorder)
    assert router.configured is False
    with pytest.raises(LLMNotConfigured):
        await router.complete_text([USER])
    await router.aclose()
    assert recorder.calls == []
    assert emu.requests == []


async def test_missing_preferred_tier_uses_the_other(emu):
    recorder = ListRecorder()
    router = router_for(settings_for(emu, fast=False), recorder)
    assert router.configured is True
    try:
        _, tier = await router.complete_text([USER], prefer="fast")
    finally:
        await router.aclose()
    assert tier == "smart"
    assert paths(emu) == [ANTHROPIC_PATH]


async def test_only_one_tier_failing_is_unavailable(emu):
    emu.script(["500", "500"])
    router = router_for(settings_for(emu, smart=False, retries=1))
    try:
        with pytest.raises(LLMUnavailable, match="fast tier"):
            await router.complete_text([USER])
    finally:
        await router.aclose()
    assert paths(emu) == [OPENAI_PATH, OPENAI_PATH]


@pytest.mark.parametrize(
    ("text", "expected_tier", "expected_path"),
    [
        ("¿Cuál es la diferencia entre el pretérito y el imperfecto?", "smart", ANTHROPIC_PATH),
        ("Hoy comí paella con mis amigos", "fast", OPENAI_PATH),
    ],
)
async def test_escalation_prefers_smart_for_grammar_questions(emu, text, expected_tier, expected_path):
    recorder = ListRecorder()
    router = router_for(settings_for(emu), recorder)
    prefer = "smart" if needs_smart_tier(text) else "fast"
    try:
        completion, tier = await router.complete_text([ChatMessage("user", text)], prefer=prefer)
    finally:
        await router.aclose()
    assert tier == expected_tier
    assert paths(emu) == [expected_path]
    assert text in completion.text
    assert recorder.calls[0].tier == expected_tier


async def test_smart_failing_falls_back_to_fast(emu):
    emu.script(["529", "529"])
    recorder = ListRecorder()
    router = router_for(settings_for(emu, retries=1), recorder)
    try:
        _, tier = await router.complete_text([USER], prefer="smart")
    finally:
        await router.aclose()
    assert tier == "fast"
    assert summary(recorder.calls) == [
        ("smart", False, "server_error"), ("smart", False, "server_error"), ("fast", True, None),
    ]


async def test_a_failing_recorder_does_not_cost_the_reply(emu):
    router = router_for(settings_for(emu), BrokenRecorder())
    try:
        completion, _ = await router.complete_text([USER])
    finally:
        await router.aclose()
    assert completion.text == EXPECTED
