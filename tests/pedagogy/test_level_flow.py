"""The level moves with what the learner writes: scripted turns through the real agents (console channel,
both deployments), the LLM emulator answering TutorTurn JSON with the corrections a teacher would make."""

from __future__ import annotations

import json

from habla.pedagogy.level import record_placement, reestimate, set_level
from habla_testkit.backends import llm_settings
from habla_testkit.bus import wait_until
from habla_testkit.conversation import Conversation

FLUENT = [
    "Ayer, aunque estaba bastante cansada, decidí acompañar a mi hermana al concierto porque le hacía ilusión.",
    "Lo que más me sorprendió fue que el público, a pesar de la lluvia, permaneció entusiasmado hasta el final.",
    "Si hubiera sabido que el tráfico sería tan denso, habríamos salido mucho antes de casa.",
    "Mi jefe insiste en que entreguemos el informe antes del viernes, lo cual me parece poco realista.",
    "Cuando era pequeña, pasaba los veranos en el pueblo de mis abuelos, donde aprendí a cultivar tomates.",
    "Me encantaría que me recomendaras alguna novela contemporánea que trate temas sociales.",
]
STRUGGLING = ["Yo es cansado hoy.", "Mi casa es grande y bonito.", "Yo tiene un perro.", "Ella son mi amiga.",
              "Yo vamos a playa.", "Nosotros come pan."]


def _turn_for(messages) -> str:
    """A teacher's TutorTurn: the struggling sentences each get one major agreement correction."""
    said = messages[-1]["content"]
    corrections = []
    if said in STRUGGLING:
        first, second = said.split()[:2]
        corrections = [{"original": f"{first} {second}", "corrected": f"{first} (corregido)", "category": "agreement",
                        "explanation": "Subject and verb must agree.", "severity": "major"}]
    return json.dumps({"reply": "¡Cuéntame más!", "corrections": corrections, "new_words": [], "pronounce": []})


async def _levels(chat, address: str):
    learner = await chat.services.store.find_learner("console", address)
    return learner, learner.profile.level, [(c.level, c.reason.split(":")[0]) for c in learner.profile.level_history]


async def _level_becomes(chat, address: str, *levels: str):
    """The agent re-estimates after the reply is out, so the test waits for the level it expects."""
    async def reached():
        return (await _levels(chat, address))[1] in levels

    await wait_until(reached, what=f"level in {levels}")
    return await _levels(chat, address)


async def test_scripted_turns_move_the_level_one_step_at_a_time(make_settings, llm_emulator):
    llm_emulator.reply_fn = _turn_for
    settings = make_settings(llm=llm_settings(llm_emulator))
    async with Conversation(settings, ["lia"]) as chat:
        sent = 0
        for text in FLUENT:
            sent += 1
            await chat.say("lia", text, f"f{sent}")
            await chat.wait_replies("lia", sent)
        learner, level, history = await _level_becomes(chat, "lia", "B1")
        assert history == [("B1", "estimate")]  # A2 → B1, not straight to B2
        assert "words/sentence" in learner.profile.level_history[-1].reason

        for text in FLUENT:  # more of the same evidence: one more step
            sent += 1
            await chat.say("lia", text, f"f{sent}")
            await chat.wait_replies("lia", sent)
        _, _, history = await _level_becomes(chat, "lia", "B2")
        assert history == [("B1", "estimate"), ("B2", "estimate")]  # one step at a time

        for text in STRUGGLING * 3:  # short sentences full of agreement errors pull it back down
            sent += 1
            await chat.say("lia", text, f"s{sent}")
            await chat.wait_replies("lia", sent)
        learner, level, history = await _level_becomes(chat, "lia", "A2", "B1")
        assert history[-1][1] == "estimate"
        assert "agreement" in learner.profile.level_history[-1].reason


async def test_placement_and_decisions_are_recorded_and_respected(make_settings, llm_emulator):
    llm_emulator.reply_fn = _turn_for
    settings = make_settings(llm=llm_settings(llm_emulator))
    async with Conversation(settings, ["max"]) as chat:
        for index, text in enumerate(FLUENT):
            await chat.say("max", text, f"f{index}")
            await chat.wait_replies("max", index + 1)
        learner, _, _ = await _level_becomes(chat, "max", "B1")
        await record_placement(chat.services, learner, "C1")
        assert learner.profile.level == "C1"
        await set_level(chat.services, learner, "B2", "easier")
        _, level, history = await _levels(chat, "max")
        assert level == "B2" and history == [("B1", "estimate"), ("C1", "placement"), ("B2", "easier")]
        # only turns after the learner's decision count: with the six fluent ones these eleven would be
        # evidence enough to move the level; the five since "easier" are not
        for index, text in enumerate(STRUGGLING[:5]):
            await chat.say("max", text, f"m{index}")
            await chat.wait_replies("max", len(FLUENT) + index + 1)
        learner = await chat.services.store.find_learner("console", "max")
        assert await reestimate(chat.services, learner) is None
        _, level, _ = await _levels(chat, "max")
        assert level == "B2"
        # and the reply is pitched at the level now set
        system = llm_emulator.requests[-1]["json"]["messages"][0]["content"]
        assert "CEFR B2" in system and "every common tense" in system
