"""A tutor turn end to end through ingress, bus, conversation and sender agents, on both deployments."""

from __future__ import annotations

import asyncio

from habla_testkit.conversation import Conversation
from habla_testkit.backends import llm_settings


async def test_a_message_gets_a_tutor_reply_and_a_stored_turn(make_settings, llm_emulator):
    settings = make_settings(llm=llm_settings(llm_emulator))
    async with Conversation(settings, ["ana"]) as chat:
        await chat.say("ana", "Hola, me llamo Ana y vivo en Madrid", "m1")
        [(in_reply_to, chunks)] = await chat.wait_replies("ana", 1)
        assert in_reply_to == "m1"
        assert "me llamo Ana y vivo en Madrid" in chunks[0]
        request = llm_emulator.requests[-1]["json"]
        system = request["messages"][0]
        assert system["role"] == "system" and "Spanish tutor" in system["content"] and "English" in system["content"]
        learner = await chat.services.store.learner("console", "ana", None)
        [call] = await chat.services.store.llm_calls(learner.id)
        assert call.tier == "fast" and call.ok and call.tokens_in > 0 and call.tokens_out > 0


async def test_recent_turns_are_in_the_next_prompt(make_settings, llm_emulator):
    settings = make_settings(llm=llm_settings(llm_emulator))
    async with Conversation(settings, ["ben"]) as chat:
        await chat.say("ben", "Primera frase", "b1")
        await chat.wait_replies("ben", 1)
        await chat.say("ben", "Segunda frase", "b2")
        await chat.wait_replies("ben", 2)
        roles = [m["role"] for m in llm_emulator.requests[-1]["json"]["messages"]]
        contents = [m["content"] for m in llm_emulator.requests[-1]["json"]["messages"]]
        assert roles == ["system", "user", "assistant", "user"]
        assert contents[1] == "Primera frase" and contents[3] == "Segunda frase"


async def test_duplicate_delivery_is_answered_once(make_settings, llm_emulator):
    settings = make_settings(llm=llm_settings(llm_emulator))
    async with Conversation(settings, ["cy"]) as chat:
        await asyncio.gather(*[chat.say("cy", "Hola", "dup-1") for _ in range(5)])  # five copies on the bus
        await chat.wait_replies("cy", 1)
        await asyncio.sleep(0.5)
        assert len(chat.replies["cy"]) == 1 and len(chat.sent) == 1
        assert len(llm_emulator.requests) == 1


async def test_redelivered_bus_message_is_not_answered_twice(make_settings, llm_emulator):
    """A worker that crashed after answering: the bus hands the same message out again."""
    from habla.agents import conversation
    from habla.bus.base import Envelope
    from habla.domain.messages import Inbound

    settings = make_settings(llm=llm_settings(llm_emulator))
    async with Conversation(settings, ["dee"]) as chat:
        inbound = Inbound(channel="console", address="dee", message_id="d1", text="Buenos días")
        envelope = Envelope("inbound", inbound.learner_key, inbound.model_dump(mode="json"), id="2:1700000000000-0")
        await conversation.handle(envelope, chat.services)
        await chat.wait_replies("dee", 1)
        await conversation.handle(envelope, chat.services)  # the same bus message, handed out again
        await chat.wait_replies("dee", 2)  # the stored reply is republished under the same outbound id …
        await asyncio.sleep(0.3)
        assert len(chat.sent) == 1  # … and the sender sends nothing twice
        other_copy = Envelope("inbound", inbound.learner_key, inbound.model_dump(mode="json"), id="2:1700000000001-0")
        await conversation.handle(other_copy, chat.services)  # a duplicate delivery: a different bus message
        await asyncio.sleep(0.3)
        assert len(chat.replies["dee"]) == 2 and len(chat.sent) == 1
        assert len(llm_emulator.requests) == 1


async def test_hard_grammar_question_escalates_to_smart(make_settings, llm_emulator):
    settings = make_settings(llm=llm_settings(llm_emulator, fast=True, smart=True))
    async with Conversation(settings, ["eve"]) as chat:
        await chat.say("eve", "Why do we use the subjunctive after 'espero que'?", "e1")
        await chat.wait_replies("eve", 1)
        await chat.say("eve", "Ayer fui al mercado con mi madre", "e2")
        await chat.wait_replies("eve", 2)
        models = [request["json"]["model"] for request in llm_emulator.requests]
        assert models == ["emulated-smart", "emulated-fast"]


async def test_outage_of_fast_falls_back_to_smart(make_settings, llm_emulator):
    settings = make_settings(llm=llm_settings(llm_emulator, fast=True, smart=True, max_retries=1))
    llm_emulator.script(["500", "503"])
    async with Conversation(settings, ["fay"]) as chat:
        await chat.say("fay", "Hola", "f1")
        [(_, chunks)] = await chat.wait_replies("fay", 1)
        assert "Has dicho" in chunks[0]
        learner = await chat.services.store.learner("console", "fay", None)
        calls = [(c.tier, c.ok) for c in await chat.services.store.llm_calls(learner.id)]
        assert calls == [("fast", False), ("fast", False), ("smart", True)]


async def test_total_outage_tells_the_learner_and_keeps_the_message(make_settings, llm_emulator):
    settings = make_settings(llm=llm_settings(llm_emulator, fast=True, smart=False, max_retries=1))
    llm_emulator.script(["500", "500"])
    async with Conversation(settings, ["gus"]) as chat:
        await chat.say("gus", "¿Estás ahí?", "g1")
        [(_, chunks)] = await chat.wait_replies("gus", 1)
        assert "couldn't reach my language model" in chunks[0]
        turn = await chat.services.store.turn_for("console:g1")
        assert turn.user_text == "¿Estás ahí?" and turn.tier is None


async def test_without_an_llm_the_learner_is_told_plainly(make_settings):
    async with Conversation(make_settings(), ["hal"]) as chat:
        await chat.say("hal", "Hola", "h1")
        [(_, chunks)] = await chat.wait_replies("hal", 1)
        assert "no language model yet" in chunks[0] and "habla model pull" in chunks[0] and "habla doctor" in chunks[0]


async def test_two_learners_each_answered_in_order(make_settings, llm_emulator):
    settings = make_settings(llm=llm_settings(llm_emulator))
    learners = [f"l{i}" for i in range(4)]
    async with Conversation(settings, learners) as chat:
        for index in range(5):
            for learner in learners:
                await chat.say(learner, f"{learner} mensaje {index}", f"{learner}-{index}")
        for learner in learners:
            replies = await chat.wait_replies(learner, 5)
            assert [reply_to for reply_to, _ in replies] == [f"{learner}-{i}" for i in range(5)]
