"""Both providers through their real SDKs, against the loopback emulator that speaks their HTTP contracts."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from habla.config import LLMTierSettings
from habla.errors import LLMBadResponse, LLMError
from habla.llm.anthropic_provider import AnthropicLLM
from habla.domain.chat import ChatMessage
from habla.domain.text import estimate_tokens
from habla.llm.openai_compat import OpenAICompatLLM
from habla.llm.registry import build_llm
from habla_testkit.emulators.llm import LLMEmulator

ROOT = Path(__file__).resolve().parents[2]
SYSTEM = ChatMessage("system", "Eres un tutor de español paciente.")
USER = ChatMessage("user", "Ayer fui al mercado con mi hermana")
EXPECTED = "¡Muy bien! Has dicho: «Ayer fui al mercado con mi hermana». ¿Y tú qué más cuentas?"


@pytest.fixture
def emu():
    with LLMEmulator(timeout_sleep_s=2.0) as emulator:
        yield emulator


def make(kind: str, emu: LLMEmulator, api_key: str | None = "test-key"):
    if kind == "openai":
        return OpenAICompatLLM(model="emu-fast", base_url=emu.openai_base_url, api_key=api_key)
    return AnthropicLLM(model="emu-smart", base_url=emu.anthropic_base_url, api_key=api_key)


PROVIDERS = ["openai", "anthropic"]


async def test_openai_reply_and_request_shape(emu):
    llm = make("openai", emu)
    try:
        completion = await llm.complete([SYSTEM, USER], max_tokens=100, timeout_s=5)
    finally:
        await llm.aclose()
    assert completion.text == EXPECTED
    assert completion.model == "emu-fast"
    assert completion.tokens_in == 6 + 7  # words in the system and user messages
    assert completion.tokens_out == len(EXPECTED.split())
    (request,) = emu.requests
    assert request["path"] == "/v1/chat/completions"
    assert request["headers"]["authorization"] == "Bearer test-key"
    assert request["json"]["messages"] == [
        {"role": "system", "content": SYSTEM.content},
        {"role": "user", "content": USER.content},
    ]
    assert request["json"]["max_tokens"] == 100


async def test_anthropic_reply_puts_system_in_its_parameter(emu):
    llm = make("anthropic", emu)
    try:
        completion = await llm.complete([SYSTEM, USER], max_tokens=100, timeout_s=5)
    finally:
        await llm.aclose()
    assert completion.text == EXPECTED
    assert completion.model == "emu-smart"
    assert (completion.tokens_in, completion.tokens_out) == (13, len(EXPECTED.split()))
    (request,) = emu.requests
    assert request["path"] == "/v1/messages"
    # Anthropic SDK 2.x sends the key as a bearer token, no longer as x-api-key.
    headers = request["headers"]
    assert headers.get("x-api-key") == "test-key" or headers.get("authorization") == "Bearer test-key"
    assert "anthropic-version" in request["headers"]
    assert request["json"]["system"] == SYSTEM.content
    assert request["json"]["messages"] == [{"role": "user", "content": USER.content}]
    assert request["json"]["max_tokens"] == 100


async def test_openai_without_key_sends_a_dummy_one(emu):
    llm = make("openai", emu, api_key=None)
    try:
        await llm.complete([USER], max_tokens=50, timeout_s=5)
    finally:
        await llm.aclose()
    assert emu.requests[0]["headers"]["authorization"] == "Bearer not-needed"


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_reply_cut_at_max_tokens_is_still_a_reply(emu, provider):
    llm = make(provider, emu)
    try:
        completion = await llm.complete([USER], max_tokens=3, timeout_s=5)
    finally:
        await llm.aclose()
    assert completion.text == "¡Muy bien! Has"
    assert completion.tokens_out == 3


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_missing_usage_is_estimated_from_length(emu, provider):
    emu.script(["nousage"])
    llm = make(provider, emu)
    try:
        completion = await llm.complete([USER], max_tokens=100, timeout_s=5)
    finally:
        await llm.aclose()
    assert completion.text == EXPECTED
    assert completion.tokens_in == estimate_tokens(USER.content)  # the one estimator (domain/text.py)
    assert completion.tokens_out == estimate_tokens(EXPECTED)


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize(
    ("behaviour", "kind"),
    [("429", "rate_limited"), ("500", "server_error"), ("503", "server_error"), ("401", "auth")],
)
async def test_http_errors_map_to_kinds(emu, provider, behaviour, kind):
    emu.script([behaviour])
    llm = make(provider, emu)
    try:
        with pytest.raises(LLMError) as caught:
            await llm.complete([USER], max_tokens=50, timeout_s=5)
    finally:
        await llm.aclose()
    assert type(caught.value) is LLMError
    assert caught.value.kind == kind
    assert behaviour in str(caught.value)


async def test_anthropic_overloaded_is_a_server_error(emu):
    emu.script(["529"])
    llm = make("anthropic", emu)
    try:
        with pytest.raises(LLMError) as caught:
            await llm.complete([USER], max_tokens=50, timeout_s=5)
    finally:
        await llm.aclose()
    assert caught.value.kind == "server_error"


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_timeout(emu, provider):
    emu.script(["timeout"])
    llm = make(provider, emu)
    try:
        with pytest.raises(LLMError) as caught:
            await llm.complete([USER], max_tokens=50, timeout_s=0.5)
    finally:
        await llm.aclose()
    assert caught.value.kind == "timeout"


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("behaviour", ["garbage", "badjson", "empty", "nochoices"])
async def test_unusable_replies_are_bad_responses(emu, provider, behaviour):
    emu.script([behaviour])
    llm = make(provider, emu)
    try:
        with pytest.raises(LLMBadResponse) as caught:
            await llm.complete([USER], max_tokens=50, timeout_s=5)
    finally:
        await llm.aclose()
    assert caught.value.kind == "bad_response"


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_connection_refused(provider):
    emulator = LLMEmulator()  # bound but never started: nothing accepts on the port
    port = emulator.port
    emulator.stop()
    base = f"http://127.0.0.1:{port}"
    llm = (OpenAICompatLLM(model="m", base_url=base + "/v1") if provider == "openai"
           else AnthropicLLM(model="m", base_url=base))
    try:
        with pytest.raises(LLMError) as caught:
            await llm.complete([USER], max_tokens=50, timeout_s=2)
    finally:
        await llm.aclose()
    assert caught.value.kind == "connection"


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_error_message_never_carries_the_key(provider):
    with LLMEmulator(api_key="the-right-key") as emu:
        llm = make(provider, emu, api_key="sk-very-secret-value")
        try:
            with pytest.raises(LLMError) as caught:
                await llm.complete([USER], max_tokens=50, timeout_s=5)
        finally:
            await llm.aclose()
    assert caught.value.kind == "auth"
    assert "secret" not in str(caught.value)


async def test_reply_fn_hook_sees_normalised_messages(emu):
    seen = []
    emu.reply_fn = lambda messages: seen.append(messages) or "vale"
    llm = make("anthropic", emu)
    try:
        completion = await llm.complete([SYSTEM, USER], max_tokens=50, timeout_s=5)
    finally:
        await llm.aclose()
    assert completion.text == "vale"
    assert seen == [[{"role": "system", "content": SYSTEM.content}, {"role": "user", "content": USER.content}]]


def test_build_llm_maps_provider_names():
    assert build_llm(LLMTierSettings()) is None
    fast = build_llm(LLMTierSettings(provider="openai", model="llama-3.1-8b", api_key=SecretStr("k")))
    smart = build_llm(LLMTierSettings(provider="anthropic", model="claude-x", base_url="http://127.0.0.1:9"))
    assert isinstance(fast, OpenAICompatLLM) and fast.model == "llama-3.1-8b" and fast.provider == "openai"
    assert isinstance(smart, AnthropicLLM) and smart.model == "claude-x" and smart.provider == "anthropic"


def test_registry_imports_no_sdk_at_import_time():
    code = "import sys, habla.llm.registry, habla.llm.router; print(sorted({'openai', 'anthropic'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_emulator_runs_as_a_process():
    proc = subprocess.Popen(
        [sys.executable, "-m", "habla_testkit.emulators.llm", "--port", "0"],
        cwd=ROOT, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert proc.stdout is not None
        word, port = proc.stdout.readline().split()
        assert word == "ready"
        models = httpx.get(f"http://127.0.0.1:{port}/v1/models", timeout=5).json()
        assert [m["id"] for m in models["data"]] == ["emu-fast", "emu-smart"]
        reply = httpx.post(
            f"http://127.0.0.1:{port}/v1/chat/completions", timeout=5,
            json={"model": "m", "messages": [{"role": "user", "content": "hola"}]},
        ).json()
        assert reply["object"] == "chat.completion"
        assert reply["choices"][0]["message"]["content"].startswith("¡Muy bien! Has dicho: «hola»")
    finally:
        proc.terminate()
        assert proc.wait(timeout=10) == 0
    assert proc.stdout.read() == ""


def test_emulator_error_bodies_follow_each_provider(emu):
    emu.script(["429", "429"])
    openai_body = httpx.post(f"{emu.openai_base_url}/chat/completions",
                             json={"model": "m", "messages": []}).json()
    anthropic_body = httpx.post(f"{emu.anthropic_base_url}/v1/messages",
                                json={"model": "m", "max_tokens": 5, "messages": [{"role": "user", "content": "x"}]}).json()
    assert openai_body["error"]["code"] == "rate_limit_exceeded"
    assert set(openai_body["error"]) == {"message", "type", "param", "code"}
    assert anthropic_body["type"] == "error" and anthropic_body["error"]["type"] == "rate_limit_error"
    assert json.dumps(anthropic_body).count("request_id") == 1
