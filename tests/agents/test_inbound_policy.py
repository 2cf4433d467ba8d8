"""Reactions get no reply; a group gets one polite decline, however many messages it sends."""

from __future__ import annotations

import asyncio

from habla.agents.ingress import ingest
from habla.domain.messages import Inbound, InboundKind
from habla_testkit.conversation import Conversation
from habla_testkit.backends import llm_settings


async def test_group_declined_once_and_reaction_ignored(make_settings, llm_emulator):
    async with Conversation(make_settings(llm=llm_settings(llm_emulator)), ["ana"]) as chat:
        for n in range(3):
            await ingest(chat.services, Inbound(channel="console", address="ana", message_id=f"g{n}", text="hola a todos", group_id="G1"))
        await ingest(chat.services, Inbound(channel="console", address="ana", message_id="r1", kind=InboundKind.REACTION, extra={"emoji": "👍"}))
        await chat.say("ana", "Hola", "t1")
        replies = await chat.wait_replies("ana", 2)
        await asyncio.sleep(0.5)
        assert [reply_to for reply_to, _ in chat.replies["ana"]] == ["g0", "t1"]
        assert "one-to-one" in replies[0][1][0]
        assert len(llm_emulator.requests) == 1  # neither the group nor the reaction reached the model
