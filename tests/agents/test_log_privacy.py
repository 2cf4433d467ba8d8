"""Phone numbers and message text never reach INFO logs (they may appear at DEBUG only)."""

from __future__ import annotations

import logging

from habla_testkit.conversation import Conversation
from habla_testkit.backends import llm_settings

PHONE = "+34600123456"
SECRET = "mi receta secreta de paella valenciana"


async def test_info_logs_carry_neither_phone_nor_text(make_settings, llm_emulator, caplog):
    caplog.set_level(logging.INFO)
    async with Conversation(make_settings(llm=llm_settings(llm_emulator)), [PHONE]) as chat:
        await chat.say(PHONE, SECRET, "priv-1")
        await chat.say(PHONE, SECRET, "priv-1")  # a duplicate is logged too
        await chat.wait_replies(PHONE, 1)
    info = [r for r in caplog.records if r.levelno >= logging.INFO]
    assert any("turn learner=" in r.getMessage() for r in info), "the turn was not logged at all"
    for record in info:
        message = record.getMessage()
        assert PHONE not in message and PHONE[1:] not in message, message
        assert "paella" not in message, message
