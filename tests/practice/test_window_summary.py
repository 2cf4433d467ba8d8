"""The window summary through the real app, agents and Graph emulator, on both deployments: a session's
corrections and new words, made by real structured turns through the WhatsApp webhook, come back once,
23 h after the last message, with the next practice time on the learner's clock; never twice (repeated
rounds, racing rounds, a crash between the message and its claim), never for a session with nothing in it,
never so late that the window may have closed."""

from __future__ import annotations

import asyncio
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from habla.domain import practice_schedule as schedule_rules
from habla.domain import window_summary as rules
from habla.domain.learner import Profile
from habla.practice.schedule import reschedule
from habla.practice.window_summary import summarise_windows
from habla_testkit.bus import wait_until
from tests.api.test_whatsapp_routes import LEARNER, serving
from tests.pedagogy.test_tutor_turns import TIRED, ScriptedTutor, tutor_turn, whatsapp  # noqa: F401

MADRID = ZoneInfo("Europe/Madrid")
DOG = {"lemma": "perro", "translation": "dog", "example": "Tengo un perro."}
TITLE_EN = "📋 *Today's key points*"


def _summaries(graph) -> list[str]:
    return [text for text in graph.texts(LEARNER) if text.startswith("📋")]


async def _session(app, client, say, profile: Profile):
    """A learner with ``profile`` who wrote one message the tutor corrected; returns (learner, last message time)."""
    store = app.state.services.store
    learner = await store.learner("whatsapp", LEARNER, profile)
    await say(client, "wamid.S1", "Hoy yo soy cansado, tengo un perro", 1)
    last_at = await store.last_inbound_at("whatsapp", LEARNER)
    assert last_at is not None
    return learner, last_at


async def test_the_session_comes_back_once_23_hours_after_the_last_message(whatsapp, llm_emulator, graph):
    settings, say = whatsapp
    llm_emulator.reply_fn = ScriptedTutor(tutor_turn("¿Por qué estás cansado?", [TIRED], [DOG]))
    async with serving(settings) as (app, client):
        services = app.state.services
        profile = Profile(timezone="Europe/Madrid", reminder_times=["08:00"], native_language="en")
        learner, last_at = await _session(app, client, say, profile)
        await reschedule(services, learner, last_at)
        assert await summarise_windows(services, last_at + 22 * 3600) == 0  # the window has hours left
        assert await summarise_windows(services, last_at + 23.9 * 3600) == 0  # too close to its end: left alone
        now = last_at + 23 * 3600 + 60
        assert await summarise_windows(services, now) == 1
        assert await summarise_windows(services, now + 30) == 0  # claimed: the next round finds nothing
        await wait_until(lambda: _summaries(graph), what="the summary")
        next_due = (await services.store.schedule.get(learner.id)).next_due_at
        await asyncio.sleep(0.3)  # a duplicate would have arrived by now
    [summary] = _summaries(graph)
    lines = summary.splitlines()
    assert lines[0] == TITLE_EN
    assert "✏️ ~soy cansado~ → *estoy cansado*" in lines
    assert "📝 *perro* — dog" in lines
    # the next 08:00 after the summary: the row's slot, or (when the clock jumped past it without a tick)
    # the profile's next one, never a time already gone
    due = datetime.fromtimestamp(schedule_rules.next_slot(["08:00"], "Europe/Madrid", now), tz=MADRID)
    assert next_due is not None
    day = "today" if due.date() == datetime.fromtimestamp(now, tz=MADRID).date() else "tomorrow"
    assert lines[-1] == f"⏰ Next practice: {day} at 08:00."


async def test_racing_rounds_and_a_crash_before_the_claim_still_send_one_summary(whatsapp, llm_emulator, graph,
                                                                                   monkeypatch):
    settings, say = whatsapp
    llm_emulator.reply_fn = ScriptedTutor(tutor_turn("¿Por qué estás cansado?", [TIRED], [DOG]))
    async with serving(settings) as (app, client):
        services = app.state.services
        store = services.store
        _learner, last_at = await _session(app, client, say, Profile(native_language="es"))
        now = last_at + 23 * 3600 + 60
        claim = type(store).mark_summarised

        async def crash_after_publishing(self, learner_id, at):  # the process dies between publish and claim
            raise ConnectionResetError("the worker died here")

        monkeypatch.setattr(type(store), "mark_summarised", crash_after_publishing)
        with pytest.raises(ConnectionResetError):
            await summarise_windows(services, now)
        monkeypatch.setattr(type(store), "mark_summarised", claim)
        await wait_until(lambda: _summaries(graph), what="the summary the crashed round published")
        counts = await asyncio.gather(summarise_windows(services, now + 30), summarise_windows(services, now + 30))
        assert sorted(counts) == [0, 1]  # both re-published the same message; one claimed it
        assert await store.unsummarised_sessions(*reversed(rules.due_range(now + 60))) == []
        await asyncio.sleep(0.5)  # the sender has had the two repeats by now
    [summary] = _summaries(graph)
    assert summary.splitlines()[0] == "📋 *Lo esencial de hoy*"  # her explanation language
    assert summary.splitlines()[-1] == "⏰ Di *recuérdame a las 8* y te repaso esto cada día."  # no reminder yet


async def test_a_session_without_corrections_or_new_words_gets_no_summary(whatsapp, llm_emulator, graph):
    settings, say = whatsapp
    llm_emulator.reply_fn = ScriptedTutor(tutor_turn("¡Qué bien! ¿Y tu perro cómo se llama?"))
    async with serving(settings) as (app, client):
        services = app.state.services
        _learner, last_at = await _session(app, client, say, Profile())
        now = last_at + 23 * 3600 + 60
        assert await summarise_windows(services, now) == 0
        # judged once: the session left the candidates, so later rounds do not read it again
        assert await services.store.unsummarised_sessions(*reversed(rules.due_range(now))) == []
        await asyncio.sleep(0.3)
    assert _summaries(graph) == [] and len(graph.texts(LEARNER)) == 1  # only the tutor's reply


async def test_writing_again_starts_a_new_session_with_its_own_summary(whatsapp, llm_emulator, graph):
    settings, say = whatsapp
    llm_emulator.reply_fn = ScriptedTutor(tutor_turn("¿Por qué estás cansado?", [TIRED], [DOG]))
    async with serving(settings) as (app, client):
        services = app.state.services
        learner, first_at = await _session(app, client, say, Profile())
        assert await summarise_windows(services, first_at + 23 * 3600 + 60) == 1
        await wait_until(lambda: _summaries(graph), what="the first summary")
        # she writes again (the store records it as the webhook does); the next summary is for that message
        later = first_at + 23.5 * 3600
        await services.store.touch_learner(learner.id, later)
        assert await summarise_windows(services, first_at + 23 * 3600 + 120) == 0
        assert await summarise_windows(services, later + 23 * 3600 + 60) == 1
        await wait_until(lambda: len(_summaries(graph)) == 2, what="the second session's summary")


async def test_a_learner_who_turned_reminders_off_is_not_nudged_to_turn_them_on(whatsapp, llm_emulator, graph):
    settings, say = whatsapp
    llm_emulator.reply_fn = ScriptedTutor(tutor_turn("¿Por qué estás cansado?", [TIRED], [DOG]))
    async with serving(settings) as (app, client):
        services = app.state.services
        learner, last_at = await _session(app, client, say, Profile())
        await reschedule(services, learner, last_at)  # no times: the row "stop reminders" leaves
        assert await summarise_windows(services, last_at + 23 * 3600 + 60) == 1
        await wait_until(lambda: _summaries(graph), what="the summary")
    [summary] = _summaries(graph)
    assert summary.splitlines()[-1] == "📝 *perro* — dog"  # the key points, and no reminder line
