""""export my data" is no amplifier (issue 9, item 11): one export per cooldown, at most a few messages,
the newest history first when it is long, and the document still valid JSON that says what was cut."""

from __future__ import annotations

import json

from habla.domain import data_export
from habla_testkit.conversation import Conversation
from habla_testkit.backends import llm_settings

PHONE = "+34600123123"


def test_fit_keeps_the_newest_rows_and_says_what_was_cut():
    data = {"learner": {"address": "x"}, "turns": [{"created_at": float(i), "user_text": "hola " * 20} for i in range(200)],
            "llm_calls": [{"created_at": float(i), "tokens": i} for i in range(50)]}
    document, truncated = data_export.fit(data, 3000)
    assert len(document) <= 3000
    parsed = json.loads(document)
    assert parsed["truncated"] == truncated and truncated["turns"]["total"] == 200
    kept = parsed["turns"]
    assert 0 < len(kept) == truncated["turns"]["included"] and kept[-1]["created_at"] == 199.0  # newest kept
    small = {"learner": {"address": "x"}, "turns": [{"created_at": 1.0, "user_text": "hola"}]}
    assert data_export.fit(small, 3000) == (data_export.encode(small), {})


async def test_export_is_capped_and_cooled_down(make_settings, llm_emulator):
    settings = make_settings(llm=llm_settings(llm_emulator), channels={"text_chunk_chars": 1000},
                             memory={"export_max_messages": 4, "export_cooldown_s": 3600})
    async with Conversation(settings, [PHONE]) as chat:
        for n in range(12):
            await chat.say(PHONE, f"Mensaje número {n}: me gusta mucho practicar español por las tardes.", f"m{n}")
        await chat.wait_replies(PHONE, 12)
        await chat.say(PHONE, "Export my data", "x1")
        replies = await chat.wait_replies(PHONE, 13)
        intro, *parts = replies[12][1]
        assert len(parts) + 1 <= 4 and "most recent" in intro
        document = json.loads("".join(parts))
        assert document["truncated"]["turns"]["total"] == 12
        assert document["turns"] and document["turns"][-1]["user_text"].startswith("Mensaje número 11")
        await chat.say(PHONE, "exporta mis datos", "x2")  # again, at once: refused, in one message
        replies = await chat.wait_replies(PHONE, 14)
        [cooldown] = replies[13][1]
        assert "puedes volver a pedirlos" in cooldown and "60 minutos" in cooldown
