"""A database outage longer than the bus's retries is waited out: the message is answered, not parked."""

from __future__ import annotations

import asyncio
import time

from habla.errors import StorageError
from habla_testkit.conversation import Conversation
from habla_testkit.backends import llm_settings


async def test_store_outage_is_waited_out_and_answered_once(make_settings, llm_emulator):
    settings = make_settings(llm=llm_settings(llm_emulator), bus={"max_deliveries": 2, "retry_backoff_ms": 10})
    async with Conversation(settings, ["ana"]) as chat:
        claim = chat.services.store.claim_inbound
        back_at = time.monotonic() + 1.5  # far longer than 2 attempts 10 ms apart
        failures = []

        async def store_down(*args, **kwargs):
            if time.monotonic() < back_at:
                failures.append(1)
                raise StorageError("database unreachable")
            return await claim(*args, **kwargs)

        chat.services.store.claim_inbound = store_down
        await chat.say("ana", "¿Hay alguien?", "o1")
        [(reply_to, chunks)] = await chat.wait_replies("ana", 1, timeout=20)
        await asyncio.sleep(0.3)
        assert reply_to == "o1" and "¿Hay alguien?" in chunks[0]
        assert len(failures) >= 3 and len(chat.replies["ana"]) == 1
        assert await chat.services.bus.dead_letters("inbound") == []


async def test_a_real_bug_still_goes_to_dead_letters(make_settings, llm_emulator):
    settings = make_settings(llm=llm_settings(llm_emulator), bus={"max_deliveries": 2, "retry_backoff_ms": 10})
    async with Conversation(settings, ["ben"]) as chat:
        async def broken(*args, **kwargs):
            raise ValueError("a bug, not an outage")

        chat.services.store.claim_inbound = broken
        await chat.say("ben", "Hola", "b1")
        for _ in range(200):
            if await chat.services.bus.dead_letters("inbound"):
                break
            await asyncio.sleep(0.05)
        [dead] = await chat.services.bus.dead_letters("inbound")
        assert "ValueError" in dead.error
