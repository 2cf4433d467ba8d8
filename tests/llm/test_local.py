"""The local provider with a real GGUF model (SmolLM2-135M) run by llama.cpp in this process."""

from __future__ import annotations

import asyncio
from typing import Literal

import pytest
from pydantic import BaseModel, Field

from habla.config import LLMSettings, LocalLLMSettings
from habla.errors import LLMUnavailable
from habla.llm.base import ChatMessage
from habla.llm.local_engine import engine_for
from habla.llm.registry import effective_settings
from habla.llm.router import build_router
from habla_testkit.conversation import Conversation
from tests.llm.local_support import LOCAL, local_tier, smollm2_path
from habla_testkit.memory import eventually


class Records:
    def __init__(self):
        self.calls = []

    async def record(self, call):
        self.calls.append(call)


class Verdict(BaseModel):
    """Whether a learner's sentence is correct, and its correction."""

    corrected: str = Field(min_length=1, max_length=40)
    level: Literal["A1", "A2", "B1", "B2", "C1", "C2"]
    correct: bool


def router(records=None, **tier):
    return build_router(LLMSettings(fast=local_tier(**tier), local=LOCAL), records)


async def test_a_json_schema_call_is_valid_20_times_out_of_20():
    llm = router(max_tokens=80)
    messages = [
        ChatMessage("system", "You check a Spanish learner's sentence."),
        ChatMessage("user", "Yo tener veinte años."),
    ]
    answers = await asyncio.gather(*(llm.complete_json(messages, Verdict) for _ in range(20)))
    await llm.aclose()
    assert len(answers) == 20
    assert all(isinstance(a.value, Verdict) and a.attempts == 1 for a in answers)  # the grammar: valid first time
    assert len({a.value.corrected for a in answers}) > 1  # twenty real generations, not one answer repeated


async def test_two_learners_at_once_are_both_answered_by_the_local_model(make_settings):
    settings = make_settings(llm={"fast": local_tier(), "local": LOCAL})
    async with Conversation(settings, ["ana", "ben"]) as chat:
        await asyncio.gather(chat.say("ana", "Hola, me llamo Ana", "a1"), chat.say("ben", "Buenos días, soy Ben", "b1"))
        [(_, ana)] = await chat.wait_replies("ana", 1, timeout=120)
        [(_, ben)] = await chat.wait_replies("ben", 1, timeout=120)
        for address, chunks in (("ana", ana), ("ben", ben)):
            assert chunks and "".join(chunks).strip()
            assert "language model" not in chunks[0]  # a model's answer, not a notice
            turn = await chat.services.store.turn_for(f"console:{address[0]}1")
            assert turn.tier == "fast"
        calls = [c for c in await chat.services.store.llm_calls() if c.ok]
        assert len(calls) >= 2 and all(c.provider == "local" and c.tokens_out > 0 for c in calls)


async def test_a_timeout_is_reported_and_the_slot_freed():
    records = Records()
    llm = router(records, max_tokens=4000, timeout_s=0.5)
    engine = engine_for(smollm2_path(), LocalLLMSettings(**LOCAL))
    long_answer = [ChatMessage("user", "Write a very long story about Madrid, with many chapters.")]
    with pytest.raises(LLMUnavailable):
        await llm.complete_text(long_answer)
    assert [c.error for c in records.calls] == ["timeout"]

    async def idle():
        return engine.in_flight == 0

    await eventually(idle, timeout=60, what="the timed-out generation to stop")  # 4,000 tokens would take minutes
    await llm.aclose()
    quick = router(max_tokens=8)
    completion, _ = await quick.complete_text([ChatMessage("user", "Hola")])
    assert completion.text.strip()
    await quick.aclose()


async def test_a_full_queue_fails_at_once_as_busy():
    local = {**LOCAL, "parallel": 1, "queue": 0}
    llm = build_router(LLMSettings(fast=local_tier(max_tokens=24), local=local))
    first = asyncio.create_task(llm.complete_text([ChatMessage("user", "Cuéntame algo")]))
    await asyncio.sleep(0)  # the first call takes the only slot
    with pytest.raises(LLMUnavailable) as raised:
        await llm.complete_text([ChatMessage("user", "¿Y ahora?")])
    assert "rate_limited" in str(raised.value)
    assert (await first)[0].text.strip()
    await llm.aclose()


async def test_a_file_that_is_not_a_model_fails_clearly(tmp_path):
    bad = tmp_path / "broken.gguf"
    bad.write_bytes(b"GGUF\x03\x00\x00\x00" + b"\x00" * 64)
    llm = build_router(LLMSettings(fast=local_tier(model=str(bad)), local=LOCAL))
    with pytest.raises(LLMUnavailable) as raised:
        await llm.complete_text([ChatMessage("user", "Hola")])
    assert "model_unavailable" in str(raised.value)
    await llm.aclose()


def test_with_no_tier_set_a_pulled_model_runs_the_fast_tier(tmp_path):
    (tmp_path / "Qwen2.5-3B-Instruct-Q4_K_M.gguf").symlink_to(smollm2_path())
    settings = LLMSettings(local={**LOCAL, "models_dir": str(tmp_path), "auto_detect": True})
    fast = effective_settings(settings).fast
    assert fast.provider == "local" and fast.model == str(tmp_path / "Qwen2.5-3B-Instruct-Q4_K_M.gguf")
    assert not effective_settings(LLMSettings(local={"models_dir": str(tmp_path / "empty")})).fast.configured
    configured = LLMSettings(fast={"provider": "openai", "model": "m"}, local={"models_dir": str(tmp_path)})
    assert effective_settings(configured).fast.provider == "openai"  # an operator's choice always wins


def test_a_named_model_that_was_not_pulled_says_how_to_get_it(tmp_path):
    from habla.errors import ConfigurationError

    with pytest.raises(ConfigurationError, match="habla model pull qwen2.5-7b"):
        build_router(LLMSettings(fast={"provider": "local", "model": "qwen2.5-7b"}, local={"models_dir": str(tmp_path)}))


def test_nothing_loads_before_the_first_call(tmp_path):
    (tmp_path / "m.gguf").write_bytes(b"not loaded")  # building never opens it: only a call loads
    llm = build_router(LLMSettings(fast=local_tier(model=str(tmp_path / "m.gguf")), local=LOCAL))
    assert llm.configured and not llm._llms["fast"].engine.loaded

