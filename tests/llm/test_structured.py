"""complete_json against the loopback emulator: the request shapes each provider documents, the fallbacks when
an endpoint refuses them, validation with one retry that shows the error, and a clean failure."""

from __future__ import annotations

import json
from typing import Literal

import pytest
from pydantic import BaseModel, Field

from habla.config import LLMSettings
from habla.errors import LLMInvalidOutput
from habla.llm.base import ChatMessage
from habla.llm.registry import build_llm
from habla.llm.router import LLMRouter
from habla.llm.structured import spec_for
from habla_testkit.backends import llm_settings


class Correction(BaseModel):
    """A learner's sentence, corrected."""

    corrected: str = Field(min_length=1, max_length=200)
    level: Literal["A1", "A2", "B1", "B2", "C1", "C2"]
    title: str | None = None  # a field named like a JSON-schema keyword must survive the strict transform
    notes: list[str] = Field(default_factory=list, max_length=3)


GOOD = json.dumps({"corrected": "Estoy cansado", "level": "A2", "title": None, "notes": ["ser/estar"]})
MESSAGES = [ChatMessage("system", "Correct the learner."), ChatMessage("user", "Soy cansado")]


def router_for(emulator, provider="openai") -> LLMRouter:
    settings = LLMSettings(**llm_settings(emulator, provider=provider, max_retries=0))
    return LLMRouter(build_llm(settings.fast), None, settings, backoff_s=0.01)


def bodies(emulator) -> list[dict]:
    return [request["json"] for request in emulator.requests]


async def test_openai_asks_with_a_strict_json_schema(llm_emulator):
    llm_emulator.reply_fn = lambda messages: GOOD
    router = router_for(llm_emulator)
    answer = await router.complete_json(MESSAGES, Correction)
    await router.aclose()
    assert answer.value == Correction(corrected="Estoy cansado", level="A2", notes=["ser/estar"])
    assert answer.attempts == 1 and answer.tier == "fast"
    [body] = bodies(llm_emulator)
    fmt = body["response_format"]
    assert fmt["type"] == "json_schema" and fmt["json_schema"]["strict"] is True
    assert fmt["json_schema"]["name"] == "Correction"
    schema = fmt["json_schema"]["schema"]
    assert schema["required"] == ["corrected", "level", "title", "notes"] and schema["additionalProperties"] is False
    assert "title" in schema["properties"] and "maxLength" not in json.dumps(schema)  # strict mode refuses lengths
    assert body["messages"] == [{"role": "system", "content": "Correct the learner."}, {"role": "user", "content": "Soy cansado"}]


async def test_an_endpoint_refusing_json_schema_gets_json_object_from_then_on(llm_emulator):
    llm_emulator.refuse_response_format = {"json_schema"}
    llm_emulator.reply_fn = lambda messages: GOOD
    router = router_for(llm_emulator)
    assert (await router.complete_json(MESSAGES, Correction)).value.level == "A2"
    assert (await router.complete_json(MESSAGES, Correction)).value.level == "A2"
    await router.aclose()
    formats = [body.get("response_format", {}).get("type") for body in bodies(llm_emulator)]
    assert formats == ["json_schema", "json_object", "json_object"]  # one refusal, then remembered
    system = bodies(llm_emulator)[1]["messages"][0]["content"]
    assert system.startswith("Correct the learner.") and '"corrected"' in system and "JSON" in system


async def test_an_endpoint_refusing_every_response_format_is_prompted_and_parsed(llm_emulator):
    llm_emulator.refuse_response_format = {"json_schema", "json_object"}
    llm_emulator.reply_fn = lambda messages: f"Sure! Here it is:\n```json\n{GOOD}\n```"
    router = router_for(llm_emulator)
    answer = await router.complete_json(MESSAGES, Correction)
    await router.aclose()
    assert answer.value.corrected == "Estoy cansado"
    last = bodies(llm_emulator)[-1]
    assert "response_format" not in last and '"level"' in last["messages"][0]["content"]
    assert [b.get("response_format", {}).get("type") for b in bodies(llm_emulator)] == ["json_schema", "json_object", None]


async def test_an_invalid_answer_is_retried_once_with_the_validation_error(llm_emulator):
    answers = iter([json.dumps({"corrected": "Estoy cansado", "level": "Z9", "title": None, "notes": []}), GOOD])
    llm_emulator.reply_fn = lambda messages: next(answers)
    router = router_for(llm_emulator)
    answer = await router.complete_json(MESSAGES, Correction)
    await router.aclose()
    assert answer.attempts == 2 and answer.value.level == "A2"
    retry = bodies(llm_emulator)[1]["messages"]
    assert retry[:2] == bodies(llm_emulator)[0]["messages"]
    assert retry[2]["role"] == "assistant" and '"Z9"' in retry[2]["content"]
    assert retry[3]["role"] == "user" and "level" in retry[3]["content"] and "refused" in retry[3]["content"]


async def test_two_invalid_answers_fail_cleanly(llm_emulator):
    llm_emulator.reply_fn = lambda messages: "Estoy cansado, nivel A2."
    router = router_for(llm_emulator)
    with pytest.raises(LLMInvalidOutput):
        await router.complete_json(MESSAGES, Correction)
    await router.aclose()
    assert len(llm_emulator.requests) == 2  # one retry, no storm


async def test_anthropic_asks_with_a_forced_tool(llm_emulator):
    llm_emulator.reply_fn = lambda messages: GOOD
    router = router_for(llm_emulator, provider="anthropic")
    answer = await router.complete_json(MESSAGES, Correction)
    await router.aclose()
    assert answer.value.corrected == "Estoy cansado"
    [body] = bodies(llm_emulator)
    assert body["tool_choice"] == {"type": "tool", "name": "Correction"}
    [tool] = body["tools"]
    assert tool["name"] == "Correction" and tool["input_schema"]["type"] == "object"
    assert set(tool["input_schema"]["required"]) == {"corrected", "level", "title", "notes"}
    assert body["system"] == "Correct the learner."  # no schema in the prompt: the tool carries it


async def test_anthropic_refusing_tools_is_prompted_from_then_on(llm_emulator):
    llm_emulator.refuse_tools = True
    llm_emulator.reply_fn = lambda messages: GOOD
    router = router_for(llm_emulator, provider="anthropic")
    assert (await router.complete_json(MESSAGES, Correction)).value.level == "A2"
    assert (await router.complete_json(MESSAGES, Correction)).value.level == "A2"
    await router.aclose()
    assert ["tools" in body for body in bodies(llm_emulator)] == [True, False, False]
    assert '"corrected"' in bodies(llm_emulator)[-1]["system"]


async def test_the_emulator_refuses_a_schema_that_is_not_strict(llm_emulator):
    """The check the OpenAI path relies on is real: a loose schema gets the documented 400."""
    import httpx

    loose = {"type": "object", "properties": {"a": {"type": "string"}}}
    body = {"model": "m", "messages": [{"role": "user", "content": "hi"}],
            "response_format": {"type": "json_schema", "json_schema": {"name": "x", "strict": True, "schema": loose}}}
    async with httpx.AsyncClient() as client:
        response = await client.post(f"{llm_emulator.openai_base_url}/chat/completions", json=body)
    assert response.status_code == 400 and "Missing 'a'" in response.json()["error"]["message"]


def test_the_strict_schema_closes_every_object_and_keeps_field_names():
    spec = spec_for(Correction)
    assert spec.strict["properties"]["title"]["anyOf"] == [{"type": "string"}, {"type": "null"}]
    assert spec.constrained["properties"]["corrected"]["maxLength"] == 200  # the grammar enforces lengths
    assert "default" not in json.dumps(spec.strict)
