"""WhatsApp's 24-hour window through the real webhook, agents and Graph emulator, on both deployments:
a crash cannot turn an answer into a template, and replies the template replaced are kept for the learner."""

from __future__ import annotations

import asyncio
import time
import uuid

from habla.agents import outbox
from habla.domain.learner import Turn
from habla.domain.messages import Outbound
from tests.api.test_whatsapp_routes import LEARNER, serving, signed, text_body, whatsapp_settings  # noqa: F401
from habla_testkit.bus import wait_until


async def test_a_redelivery_after_a_crash_is_answered_as_text_not_as_a_template(whatsapp_settings, graph):
    """The state a worker killed after storing the turn used to leave: a turn, and no last-message time."""
    message_id = "wamid.CRASHED-1"
    raw = text_body(message_id, "Hola, ¿qué tal?")
    async with serving(whatsapp_settings()) as (app, client):
        services = app.state.services
        learner = await services.store.learner("whatsapp", LEARNER)
        await services.store.save_turn(Turn(id=uuid.uuid4().hex, learner_id=learner.id,
                                            inbound_key=f"whatsapp:{message_id}", user_text="Hola, ¿qué tal?",
                                            reply_text="¡Muy bien! ¿Y tú?", created_at=time.time()))
        assert await services.store.last_inbound_at("whatsapp", LEARNER) is None
        assert (await client.post("/webhooks/whatsapp", content=raw, headers=signed(raw))).status_code == 200
        await wait_until(lambda: graph.sent, what="the stored reply")
        await asyncio.sleep(0.3)
    assert [body["type"] for body in graph.sent] == ["text"] and graph.texts() == ["¡Muy bien! ¿Y tú?"]


async def test_replies_held_behind_the_template_are_delivered_first_when_the_learner_answers(
    whatsapp_settings, graph, llm_emulator
):
    llm_emulator.reply_fn = lambda messages: "¡Qué bien que vuelves!"
    async with serving(whatsapp_settings()) as (app, client):
        services = app.state.services
        learner = await services.store.learner("whatsapp", LEARNER)
        await services.store.touch_learner(learner.id, time.time() - 25 * 3600)  # silent for over a day
        for n, text in enumerate(["Mañana practicamos el pretérito.", "Recuerda: *fui* y *era*."]):
            await outbox.publish(services, Outbound(outbound_id=f"late-{n}", channel="whatsapp", address=LEARNER,
                                                    chunks=[text]))
        await wait_until(lambda: graph.sent, what="the template")
        await asyncio.sleep(0.5)
        assert [body["type"] for body in graph.sent] == ["template"]  # one template, both replies held

        raw = text_body("wamid.BACK-1", "¡Hola de nuevo!")
        assert (await client.post("/webhooks/whatsapp", content=raw, headers=signed(raw))).status_code == 200
        await wait_until(lambda: len(graph.texts()) == 3, what="the held replies and the answer")
        again = text_body("wamid.BACK-2", "¿Seguimos?")  # nothing is held any more
        assert (await client.post("/webhooks/whatsapp", content=again, headers=signed(again))).status_code == 200
        await wait_until(lambda: len(graph.texts()) == 4, what="the next answer")
        await asyncio.sleep(0.3)
        profile = (await services.store.learner_by_id(learner.id)).profile
    assert graph.texts() == ["Mañana practicamos el pretérito.", "Recuerda: *fui* y *era*.",
                             "¡Qué bien que vuelves!", "¡Qué bien que vuelves!"]
    assert not (profile.model_extra or {}).get("held_replies")
