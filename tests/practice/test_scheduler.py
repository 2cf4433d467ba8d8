"""The scheduler tick through the real app, agents and Graph emulator, on both deployments, with an
injected ``now``: one prompt per slot however often (or however concurrently) it ticks, the missed-slot
rule, the 24-hour window (free text inside, the template outside), Start / Later / Stop, and the pause and its
end when the learner writes."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime
from zoneinfo import ZoneInfo

from habla.domain import practice_prompt_text as say_prompt
from habla.domain import practice_schedule as rules
from habla.agents.ingress import ingest
from habla.channels.whatsapp import webhook as whatsapp_webhook
from habla.domain.learner import Profile
from habla.practice.quiz import PROFILE_KEY as QUIZ_KEY
from habla.practice.schedule import reschedule
from habla.practice.scheduler import tick
from habla.domain import practice_cards as card_rules
from habla_testkit.bus import wait_until
from tests.api.test_whatsapp_routes import LEARNER, serving, signed, text_body
from tests.practice.test_quiz import tapped
from tests.pedagogy.test_tutor_turns import whatsapp  # noqa: F401 (fixtures)

MADRID = ZoneInfo("Europe/Madrid")
PROMPT_ES = say_prompt.text("prompt", "es")


async def _learner(services, last_inbound_at: float | None):
    learner = await services.store.learner(
        "whatsapp", LEARNER, Profile(timezone="Europe/Madrid", reminder_times=["08:00"], native_language="es"))
    if last_inbound_at is not None:
        await services.store.touch_learner(learner.id, last_inbound_at)
    slot = await reschedule(services, learner, time.time())  # the next real 08:00 in Madrid
    return learner, slot


async def _tap(client, message_id: str, title: str) -> None:
    raw = tapped(message_id, title, "button_reply")
    assert (await client.post("/webhooks/whatsapp", content=raw, headers=signed(raw))).status_code == 200


def _prompts(graph) -> list[str]:
    return [text for text in graph.texts(LEARNER) if text == PROMPT_ES]


async def test_two_ticks_and_two_concurrent_ticks_send_one_prompt_per_slot(whatsapp, graph):
    settings, _ = whatsapp
    async with serving(settings) as (app, _client):
        services = app.state.services
        learner, slot = await _learner(services, time.time())
        assert datetime.fromtimestamp(slot, tz=MADRID).strftime("%H:%M") == "08:00"
        assert await tick(services, slot + 60) == 1
        assert await tick(services, slot + 61) == 0  # the slot is claimed: the second tick finds nothing due
        await wait_until(lambda: _prompts(graph), what="the first prompt")
        assert graph.choices(LEARNER) == [["Empezar", "Más tarde", "Parar"]]  # reply buttons, her language
        following = (await services.store.schedule.get(learner.id)).next_due_at
        assert datetime.fromtimestamp(following, tz=MADRID).strftime("%H:%M") == "08:00" and following > slot
        counts = await asyncio.gather(tick(services, following + 60), tick(services, following + 60))
        assert sorted(counts) == [0, 1]
        await wait_until(lambda: len(_prompts(graph)) == 2, what="the second day's prompt")
        await asyncio.sleep(0.3)  # a duplicate would have arrived by now
    assert len(_prompts(graph)) == 2


async def test_a_slot_three_hours_late_is_skipped_and_one_hour_late_is_sent(whatsapp, graph):
    settings, _ = whatsapp
    async with serving(settings) as (app, _client):
        services = app.state.services
        learner, slot = await _learner(services, time.time())
        assert await tick(services, slot + 3 * 3600) == 0
        following = (await services.store.schedule.get(learner.id)).next_due_at
        assert following > slot + 3 * 3600  # skipped: the next day's 08:00 is due now
        assert await tick(services, following + 3600) == 1
        await wait_until(lambda: _prompts(graph), what="the prompt an hour late")
        await asyncio.sleep(0.3)
    assert len(_prompts(graph)) == 1


async def test_outside_the_window_the_template_goes_and_the_prompt_follows_the_answer(whatsapp, graph):
    settings, say = whatsapp
    async with serving(settings) as (app, client):
        services = app.state.services
        _learner_row, slot = await _learner(services, time.time() - 25 * 3600)  # silent for over a day
        assert await tick(services, slot + 60) == 1
        await wait_until(lambda: graph.sent, what="the template")
        await asyncio.sleep(0.3)
        assert [body["type"] for body in graph.sent] == ["template"]
        await say(client, "wamid.BACK", "Start", 1)  # answering the template releases the held prompt first
        assert graph.texts(LEARNER)[0] == PROMPT_ES


async def test_start_opens_a_quiz_and_stop_clears_reminders(whatsapp, graph):
    settings, say = whatsapp
    async with serving(settings) as (app, client):
        services = app.state.services
        learner, slot = await _learner(services, time.time())
        await services.store.practice.ensure(
            learner.id, [card_rules.word_seed("es", "perro", "dog", ""), card_rules.word_seed("es", "gato", "cat", "")], 1_000.0)
        assert await tick(services, slot + 60) == 1
        await wait_until(lambda: _prompts(graph), what="the prompt")
        await _tap(client, "wamid.START", "Empezar")
        await wait_until(lambda: len(graph.texts(LEARNER)) >= 2, what="the first question")
        question = graph.texts(LEARNER)[1]
        assert question.startswith("🧠")
        pending = ((await services.store.learner_by_id(learner.id)).profile.model_extra or {}).get(QUIZ_KEY)
        assert pending and pending["card_id"]

        following = (await services.store.schedule.get(learner.id)).next_due_at
        assert await tick(services, following + 60) == 1
        await wait_until(lambda: len(_prompts(graph)) == 2, what="the next prompt")
        stopped = await say(client, "wamid.STOP", "Parar", 4)
        assert stopped == say_prompt.text("stopped", "es")
        profile = (await services.store.learner_by_id(learner.id)).profile
        assert profile.reminder_times == []
        assert (await services.store.schedule.get(learner.id)).next_due_at is None


async def test_later_snoozes_an_hour_and_the_snooze_is_sent_once(whatsapp, graph):
    settings, say = whatsapp
    async with serving(settings) as (app, client):
        services = app.state.services
        learner, _ = await _learner(services, time.time())
        # the prompt is due now, on the real clock the answer below is stamped with: on the injected clock
        # (the next 08:00), an evening run snoozed to that same 08:00, the slot whose prompt already went
        slot = time.time() - 60
        await services.store.schedule.put(learner.id, rules.signature(["08:00"], "Europe/Madrid"), slot, slot)
        assert await tick(services, slot + 60) == 1
        await wait_until(lambda: _prompts(graph), what="the prompt")
        before = time.time()
        assert await say(client, "wamid.LATER", "Más tarde", 2) == say_prompt.text("later", "es")
        snoozed = (await services.store.schedule.get(learner.id)).next_due_at
        assert snoozed >= before + 3600 - 5  # an hour from the answer (or later: out of quiet hours)
        assert await tick(services, snoozed + 60) == 1
        await wait_until(lambda: len(_prompts(graph)) == 2, what="the snoozed prompt")


async def test_prompts_pause_after_three_unanswered(whatsapp, graph):
    settings, _ = whatsapp
    async with serving(settings) as (app, _client):
        services = app.state.services
        learner, slot = await _learner(services, time.time())
        sent = []
        for _day in range(4):
            due = (await services.store.schedule.get(learner.id)).next_due_at
            sent.append(await tick(services, due + 60))
        assert sent == [1, 1, 1, 0]
        assert (await services.store.schedule.get(learner.id)).next_due_at > due  # the paused slot passed
        await wait_until(lambda: len(_prompts(graph)) == 3, what="three prompts")
        await asyncio.sleep(0.3)
    assert len(_prompts(graph)) == 3


async def test_paused_prompts_resume_after_the_learner_writes(whatsapp, graph):
    settings, _ = whatsapp
    pause_after = settings.practice.pause_after
    async with serving(settings) as (app, _client):
        services = app.state.services
        learner, _slot = await _learner(services, time.time())
        for _day in range(pause_after):
            due = (await services.store.schedule.get(learner.id)).next_due_at
            assert await tick(services, due + 60) == 1
        paused = (await services.store.schedule.get(learner.id)).next_due_at
        assert await tick(services, paused + 60) == 0  # unanswered: the slot passes silently
        await wait_until(lambda: len(_prompts(graph)) == pause_after, what="the prompts before the pause")
        # She writes an hour after the paused slot. The webhook's own Inbound, handed to ingress as the webhook
        # does, with one change: its received_at (the message's timestamp, which the conversation agent records
        # as last_inbound_at) is on this test's clock, days ahead, since the webhook caps timestamps at the real
        # clock, which would date her message before the prompts.
        [inbound] = whatsapp_webhook.parse(text_body("wamid.BACK", "Hola, ya estoy aquí"),
                                           settings.whatsapp.phone_number_id).messages
        await ingest(services, inbound.model_copy(update={"received_at": paused + 3600}))
        await wait_until(lambda: len(graph.texts(LEARNER)) > pause_after, what="the tutor's reply")
        assert await services.store.last_inbound_at("whatsapp", LEARNER) == paused + 3600
        following = (await services.store.schedule.get(learner.id)).next_due_at
        assert following > paused + 3600
        assert await tick(services, following + 60) == 1
        await wait_until(lambda: len(_prompts(graph)) == pause_after + 1, what="the prompt after she wrote")
