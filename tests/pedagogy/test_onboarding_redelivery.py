"""A worker that dies after storing a turn and before handing its reply to the sender: the bus hands the
message out again, the stored reply goes out, and the onboarding question it carries keeps its buttons
(the real app through the WhatsApp webhook on both deployments; the crash is injected at that one point)."""

from __future__ import annotations

import asyncio

from habla.agents import conversation
from habla_testkit.bus import wait_until
from tests.api.test_whatsapp_routes import serving
from tests.pedagogy.test_onboarding_flow import NEW_YORK, whatsapp  # noqa: F401 (fixtures)
from tests.pedagogy.test_tutor_turns import ScriptedTutor, tutor_turn


async def test_a_redelivered_turn_resends_its_onboarding_question_with_its_buttons(whatsapp, llm_emulator, graph,
                                                                                   monkeypatch):
    settings, _say, post = whatsapp
    llm_emulator.reply_fn = ScriptedTutor(tutor_turn("¡Hola! Claro, practicamos español."))
    real_publish = conversation.publish_reply
    crashes = []

    async def crash_once(*args, **kwargs):
        if not crashes:
            crashes.append("the worker died after saving the turn")
            raise ConnectionResetError(crashes[0])
        await real_publish(*args, **kwargs)

    monkeypatch.setattr(conversation, "publish_reply", crash_once)
    async with serving(settings) as (app, client):
        await post(client, NEW_YORK, "wamid.R1", "Hello! I would like to practise my Spanish with you.")
        await wait_until(lambda: graph.texts(NEW_YORK), what="the reply, after the redelivery", timeout=30)
        await asyncio.sleep(0.3)
        turn = await app.state.services.store.turn_for("whatsapp:wamid.R1")
    assert crashes and turn is not None
    [reply] = graph.texts(NEW_YORK)
    assert reply == turn.reply_text and "you speak English and want to practise Spanish — right?" in reply
    assert graph.choices(NEW_YORK) == [["Yes", "Skip"]]
    assert len(llm_emulator.requests) == 1  # the redelivery resent the stored turn, no second model call

