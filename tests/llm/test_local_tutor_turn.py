"""The structured turn against the real local model (SmolLM2-135M through llama.cpp): when it cannot produce
a valid TutorTurn, the learner still gets the free-text answer, and the turn says which way it was written."""

from __future__ import annotations

import pytest

from habla_testkit.conversation import Conversation
from tests.llm.local_support import LOCAL, local_tier


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # the model is the point, not the store
async def test_the_real_model_falling_short_of_the_schema_still_answers(make_settings):
    # 12 tokens cannot hold a whole TutorTurn object ({"reply": …, "corrections": [], …}), so both structured
    # tries end cut off and fail validation: the free-text prompt answers instead
    settings = make_settings(llm={"fast": local_tier(max_tokens=12), "local": LOCAL})
    async with Conversation(settings, ["ana"]) as chat:
        await chat.say("ana", "Hola, me llamo Ana y vivo en Madrid", "m1")
        [(in_reply_to, chunks)] = await chat.wait_replies("ana", 1, timeout=240)
        turn = await chat.services.store.turn_for("console:m1")
        learner = await chat.services.store.find_learner("console", "ana")
        calls = await chat.services.store.llm_calls(learner.id)
    assert in_reply_to == "m1" and "".join(chunks).strip()
    assert turn.path == "free_text" and turn.tier == "fast" and turn.reply_text.strip()
    assert len(calls) == 3 and all(call.ok and call.provider == "local" for call in calls)
