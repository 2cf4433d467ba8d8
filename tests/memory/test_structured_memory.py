"""The memory agent and the summariser through complete_json, against an endpoint that refuses
response_format and answers in prose: the profile is still updated when the JSON can be found, and left
untouched when it cannot."""

from __future__ import annotations

import asyncio
import json

from habla.domain.profile import current_facts
from habla_testkit.conversation import Conversation
from habla_testkit.backends import llm_settings
from habla_testkit.memory import MEMORY_AGENTS, eventually, playing_memory, requests_of

PHONE = "+34600333444"
UPDATE = {"facts": [{"key": "home_city", "value": "Sevilla"}], "interests": ["flamenco"]}


async def _profile(chat):
    learner = await chat.services.store.learner("console", PHONE)
    return (await chat.services.store.learner_by_id(learner.id)).profile


async def test_a_prose_endpoint_still_updates_the_profile_by_parsing(make_settings, llm_emulator):
    llm_emulator.refuse_response_format = {"json_schema", "json_object"}
    llm_emulator.reply_fn = playing_memory(
        lambda _: f"Of course! Here is the update:\n{json.dumps(UPDATE)}\nLet me know if you need more.",
        lambda _: 'Summary follows. {"summary": "They talked about Sevilla and flamenco.", "topic": "Sevilla"} Done.',
    )
    settings = make_settings(llm=llm_settings(llm_emulator), memory={"update_every": 2})
    async with Conversation(settings, [PHONE], agents=MEMORY_AGENTS) as chat:
        await chat.say(PHONE, "Vivo en Sevilla", "p1")
        await chat.say(PHONE, "Me encanta el flamenco", "p2")
        await chat.wait_replies(PHONE, 2)

        async def city():
            return current_facts((await _profile(chat)).facts).get("home_city")

        assert await eventually(city, what="the update") == "Sevilla"
        assert (await _profile(chat)).interests == ["flamenco"]
    # the endpoint's first structured call (the tutor's turn) found the way that works; it is remembered for
    # the endpoint, so every profile update asks in the prompt from the start
    formats = [r["json"].get("response_format", {}).get("type") for r in llm_emulator.requests]
    assert formats[:3] == ["json_schema", "json_object", None]
    updates = requests_of(llm_emulator, "update")
    assert updates and all("response_format" not in u["json"] for u in updates)
    assert '"facts"' in updates[-1]["json"]["messages"][0]["content"]  # the schema went into the prompt


async def test_a_prose_endpoint_that_never_gives_json_leaves_everything_untouched(make_settings, llm_emulator):
    llm_emulator.refuse_response_format = {"json_schema", "json_object"}
    llm_emulator.reply_fn = playing_memory(
        lambda _: "The learner lives in Sevilla and likes flamenco.",
        lambda _: "They talked about Sevilla.",
    )
    settings = make_settings(llm=llm_settings(llm_emulator), memory={"update_every": 2, "history_tokens": 60})
    async with Conversation(settings, [PHONE], agents=MEMORY_AGENTS) as chat:
        before = (await _profile(chat)).model_dump()
        for n in range(4):
            await chat.say(PHONE, f"Vivo en Sevilla y me encanta el flamenco, de verdad, frase número {n}", f"q{n}")
            await chat.wait_replies(PHONE, n + 1)

        async def tried():
            return len(requests_of(llm_emulator, "update")) >= 4 and requests_of(llm_emulator, "fold")

        await eventually(tried, what="update and fold attempts")
        await asyncio.sleep(0.3)
        assert (await _profile(chat)).model_dump() == before
        learner = await chat.services.store.learner("console", PHONE)
        assert await chat.services.store.count_memories(learner.id) == 0
        session = await chat.services.memory.sessions.load(learner.id)
        assert session.summary == ""  # the fold was refused whole, not half-applied
