"""The memory agent end to end, on both deployments: profile updates, validity, garbage, summaries, recall."""

from __future__ import annotations

import asyncio
import json

from habla.domain.profile import current_facts
from habla_testkit.conversation import Conversation
from habla_testkit.backends import llm_settings
from habla_testkit.memory import MEMORY_AGENTS, eventually, playing_memory, requests_of

PHONE = "+34600111222"


def city_updates(transcript: str) -> str:
    new_part = transcript.split("New conversation:", 1)[1]
    city = "Lima" if "Lima" in new_part else "Madrid"
    return json.dumps({
        "facts": [{"key": "home_city", "value": city}],
        "interests": ["cooking"],
        "errors": [{"category": "ser_vs_estar", "example": "soy cansado → estoy cansado"}],
        "vocabulary": ["cocinar", "mudarse"],
        "summary": {"text": f"The learner talked about living in {city} and cooking.",
                    "keywords": ["city", "ciudad", city, "cooking", "cocinar"]},
        "moments": [{"text": f"The learner lives in {city}.", "keywords": [city, "home", "casa"], "importance": 2}],
    })


async def _profile(chat, address=PHONE):
    learner = await chat.services.store.learner("console", address)
    return (await chat.services.store.learner_by_id(learner.id)).profile


async def test_moving_from_madrid_to_lima_end_to_end(make_settings, llm_emulator):
    llm_emulator.reply_fn = playing_memory(city_updates)
    settings = make_settings(llm=llm_settings(llm_emulator), memory={"update_every": 2})
    async with Conversation(settings, [PHONE], agents=MEMORY_AGENTS) as chat:
        await chat.say(PHONE, "Hola, vivo en Madrid", "m1")
        await chat.say(PHONE, "Me gusta mucho cocinar", "m2")
        await chat.wait_replies(PHONE, 2)

        async def city():
            return current_facts((await _profile(chat)).facts).get("home_city")

        assert await eventually(city, what="the first update") == "Madrid"
        await chat.say(PHONE, "Me he mudado a Lima", "m3")
        await chat.say(PHONE, "Ahora vivo en Lima con mi perro", "m4")
        await chat.wait_replies(PHONE, 4)
        await eventually(lambda: _is(city, "Lima"), what="the second update")

        profile = await _profile(chat)
        assert current_facts(profile.facts) == {"home_city": "Lima"}
        [madrid] = [fact for fact in profile.facts if fact.value == "Madrid"]
        assert madrid.until is not None and madrid.until >= madrid.since  # kept, with an end date
        assert profile.errors["ser_vs_estar"].count == 2 and profile.interests == ["cooking"]
        assert profile.vocabulary["cocinar"].exposures == 2
        learner = await chat.services.store.learner("console", PHONE)
        assert await chat.services.store.count_memories(learner.id) == 4  # 2 summaries + 2 moments

        await chat.say(PHONE, "¿Qué tal tu día?", "m5")
        await chat.wait_replies(PHONE, 5)
        system = requests_of(llm_emulator, "tutor")[-1]["json"]["messages"][0]["content"]
        facts_line = next(line for line in system.splitlines() if line.startswith("- Facts:"))
        assert "Lima" in facts_line and "Madrid" not in facts_line


async def _is(check, value):
    return (await check()) == value


GARBAGE = [
    "Claro: la alumna vive en Lima y le gusta cocinar.",
    '{"facts": [{"key": "home_city", "value": "Lima"}',
    '{"level": "Z9", "facts": [{"key": "home_city", "value": "Lima"}]}',
    "[]",
]


async def test_garbage_from_the_model_leaves_the_profile_unchanged(make_settings, llm_emulator):
    answers = iter(GARBAGE * 3)
    llm_emulator.reply_fn = playing_memory(lambda _: next(answers))
    settings = make_settings(llm=llm_settings(llm_emulator), memory={"update_every": 2})
    async with Conversation(settings, [PHONE], agents=MEMORY_AGENTS) as chat:
        before = (await _profile(chat)).model_dump()
        for n in range(8):
            await chat.say(PHONE, f"Vivo en Lima y cocino mucho, frase {n}", f"g{n}")
            await chat.wait_replies(PHONE, n + 1)

        async def attempts():
            return len(requests_of(llm_emulator, "update")) >= 8

        # at 2, 4, 6 and 8 turns (not every turn), each answer refused once, retried once showing why
        await eventually(attempts, what="four update attempts")
        await asyncio.sleep(0.3)
        updates = requests_of(llm_emulator, "update")
        assert len(updates) == 8
        for first, retry in zip(updates[::2], updates[1::2]):
            assert len(retry["json"]["messages"]) == len(first["json"]["messages"]) + 2
            assert "refused" in retry["json"]["messages"][-1]["content"]
        assert (await _profile(chat)).model_dump() == before
        learner = await chat.services.store.learner("console", PHONE)
        assert await chat.services.store.count_memories(learner.id) == 0


async def test_prompt_tokens_stay_flat_as_the_session_grows(make_settings, llm_emulator):
    llm_emulator.reply_fn = playing_memory(lambda _: "{}")
    settings = make_settings(llm=llm_settings(llm_emulator), memory={"update_every": 1000})
    async with Conversation(settings, [PHONE], agents=MEMORY_AGENTS) as chat:
        sizes = []
        for n in range(30):
            await chat.say(PHONE, f"Hoy te cuento otra cosa de mi semana, la número {n}, con bastantes palabras más.", f"w{n}")
            await chat.wait_replies(PHONE, n + 1)
            request = requests_of(llm_emulator, "tutor")[-1]["json"]["messages"]
            sizes.append(sum(len(m["content"].split()) for m in request))
        assert requests_of(llm_emulator, "fold"), "old messages were never folded into a summary"
        system = requests_of(llm_emulator, "tutor")[-1]["json"]["messages"][0]["content"]
        assert "They chatted about their week." in system
        assert max(sizes[10:]) <= 1.25 * sizes[10] and max(sizes) < 1500  # flat, and well under budget


async def test_recall_reaches_the_prompt_only_when_the_learner_asks_about_the_past(make_settings, llm_emulator):
    llm_emulator.reply_fn = playing_memory(city_updates)
    settings = make_settings(llm=llm_settings(llm_emulator), memory={"update_every": 2})
    async with Conversation(settings, [PHONE], agents=MEMORY_AGENTS) as chat:
        await chat.say(PHONE, "Vivo en Madrid", "r1")
        await chat.say(PHONE, "Me encanta cocinar paella", "r2")
        await chat.wait_replies(PHONE, 2)
        learner = await chat.services.store.learner("console", PHONE)

        async def stored():
            return await chat.services.store.count_memories(learner.id) > 0

        await eventually(stored, what="memories")
        await chat.say(PHONE, "Hace buen tiempo hoy", "r3")
        await chat.wait_replies(PHONE, 3)
        assert "Your notes from earlier sessions" not in requests_of(llm_emulator, "tutor")[-1]["json"]["messages"][0]["content"]
        await chat.say(PHONE, "¿Te acuerdas de en qué ciudad vivo?", "r4")
        await chat.wait_replies(PHONE, 4)
        system = requests_of(llm_emulator, "tutor")[-1]["json"]["messages"][0]["content"]
        assert "Your notes from earlier sessions" in system and "The learner lives in Madrid." in system


async def test_a_session_that_ended_is_summarised_when_the_learner_returns(make_settings, llm_emulator):
    llm_emulator.reply_fn = playing_memory(city_updates)
    settings = make_settings(llm=llm_settings(llm_emulator), memory={"update_every": 100, "session_idle_minutes": 0.01})
    async with Conversation(settings, [PHONE], agents=MEMORY_AGENTS) as chat:
        await chat.say(PHONE, "Vivo en Madrid", "s1")
        await chat.wait_replies(PHONE, 1)
        await asyncio.sleep(1.0)  # longer than the idle gap: the next message starts a new session
        await chat.say(PHONE, "¡Hola otra vez!", "s2")
        await chat.wait_replies(PHONE, 2)

        async def city():
            return current_facts((await _profile(chat)).facts).get("home_city")

        assert await eventually(city, what="the end-of-session update") == "Madrid"
        [update] = requests_of(llm_emulator, "update")
        assert "Vivo en Madrid" in update["json"]["messages"][-1]["content"]
        assert "¡Hola otra vez!" not in update["json"]["messages"][-1]["content"]  # only the session that ended
