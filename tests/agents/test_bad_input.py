"""Odd input always gets a clear reply, and the message is kept."""

from __future__ import annotations

from habla_testkit.conversation import Conversation
from habla_testkit.backends import llm_settings


async def test_empty_text(make_settings, llm_emulator):
    async with Conversation(make_settings(llm=llm_settings(llm_emulator)), ["a"]) as chat:
        await chat.say("a", "   \n ", "x1")
        [(_, chunks)] = await chat.wait_replies("a", 1)
        assert "empty message" in chunks[0]
        assert llm_emulator.requests == []
        assert (await chat.services.store.turn_for("console:x1")) is not None


async def test_ten_thousand_characters(make_settings, llm_emulator):
    long_text = ("Me gusta mucho aprender español con mis amigos. " * 220)[:10_000]
    async with Conversation(make_settings(llm=llm_settings(llm_emulator)), ["b"]) as chat:
        await chat.say("b", long_text, "x2")
        [(_, chunks)] = await chat.wait_replies("b", 1)
        assert "10000 characters" in chunks[0] and "first 2000" in chunks[0]
        sent_to_model = llm_emulator.requests[-1]["json"]["messages"][-1]["content"]
        assert len(sent_to_model) <= 2000 and not sent_to_model.endswith("apren")
        turn = await chat.services.store.turn_for("console:x2")
        # stored as the model read it, bounded (issue 9, item 11): the learner was told how much was read
        assert turn.user_text == sent_to_model and long_text.startswith(turn.user_text)


async def test_emoji_only(make_settings, llm_emulator):
    async with Conversation(make_settings(llm=llm_settings(llm_emulator)), ["c"]) as chat:
        await chat.say("c", "👍🎉😀", "x3")
        [(_, chunks)] = await chat.wait_replies("c", 1)
        assert "👍🎉😀" in chunks[0]
        assert "only emoji" in llm_emulator.requests[-1]["json"]["messages"][-1]["content"]


async def test_invalid_utf8(make_settings, llm_emulator):
    from habla.domain.inbound_text import decode_transport_bytes

    text, garbled = decode_transport_bytes(b"Hola \xff\xfe amigo")
    assert garbled
    async with Conversation(make_settings(llm=llm_settings(llm_emulator)), ["d"]) as chat:
        await chat.say("d", text, "x4", garbled=garbled)
        [(_, chunks)] = await chat.wait_replies("d", 1)
        assert "garbled" in chunks[0]
        assert "Hola" in llm_emulator.requests[-1]["json"]["messages"][-1]["content"]
