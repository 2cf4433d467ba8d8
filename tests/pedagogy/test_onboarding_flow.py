"""Onboarding rides along with the first replies, through the WhatsApp webhook (real app, agents, bus and
store on both deployments; the Graph API and LLM emulators on the far side): the first message is answered
like any other, one question at a time follows the tutor's reply, and ignoring a question costs nothing."""

from __future__ import annotations

import pytest

from habla_testkit.backends import llm_settings
from habla_testkit.bus import wait_until
from tests.api.test_whatsapp_routes import APP_SECRET, VERIFY_TOKEN, serving, signed, text_body
from tests.pedagogy.test_tutor_turns import TIRED, ScriptedTutor, tutor_turn

NEW_YORK = "12125551234"
MADRID = "34612345678"


@pytest.fixture
def whatsapp(make_settings, graph, llm_emulator):
    """The real app with onboarding on, and ``say(client, sender, message_id, text, replies)``: post a signed
    text message and return the sender's ``replies``-th text reply once it arrived."""
    settings = make_settings(llm=llm_settings(llm_emulator), tutor={"onboarding": True},
                             whatsapp=graph.settings(app_secret=APP_SECRET, verify_token=VERIFY_TOKEN))

    async def post(client, sender: str, message_id: str, text: str) -> None:
        raw = text_body(message_id, text, sender=sender)
        assert (await client.post("/webhooks/whatsapp", content=raw, headers=signed(raw))).status_code == 200

    async def say(client, sender: str, message_id: str, text: str, replies: int) -> str:
        await post(client, sender, message_id, text)
        await wait_until(lambda: len(graph.texts(sender)) >= replies, what=f"reply {replies}")
        return graph.texts(sender)[replies - 1]

    return settings, say, post


async def _profile(app, sender: str):
    return (await app.state.services.store.find_learner("whatsapp", sender)).profile


async def test_onboarding_to_the_first_corrected_turn(whatsapp, llm_emulator, graph):
    settings, say, _ = whatsapp
    llm_emulator.reply_fn = ScriptedTutor(
        tutor_turn("¡Hola! Claro, practicamos español."), tutor_turn("¿Y por qué estás cansado?", [TIRED]),
        tutor_turn("¡Qué bien!"),
    )
    async with serving(settings) as (app, client):
        first = await say(client, NEW_YORK, "wamid.N1", "Hello! I would like to practise my Spanish with you.", 1)
        # answered like any other message, and the first question rides along
        assert first.startswith("¡Hola! Claro, practicamos español.")
        assert "you speak English and want to practise Spanish — right?" in first
        assert len(llm_emulator.requests) == 1

        confirmed = await say(client, NEW_YORK, "wamid.N2", "yes", 2)
        assert confirmed == "Great: Spanish it is, explained in English."
        assert len(llm_emulator.requests) == 1  # an answer is not a tutor turn
        profile = await _profile(app, NEW_YORK)
        assert (profile.native_language, profile.target_language) == ("en", "es")

        corrected = await say(client, NEW_YORK, "wamid.N3", "Hoy yo soy cansado", 3)
        assert corrected.startswith("¿Y por qué estás cansado?")
        assert "✏️ ~soy cansado~ → *estoy cansado*" in corrected
        assert "Quick level check (say *skip* to skip), question 1:" in corrected
        assert "*Ayer ___ al cine con mis amigos.*\n1) voy\n2) fui\n3) iré" in corrected  # starts at A2

        second = await say(client, NEW_YORK, "wamid.N4", "2", 4)  # right: one level up
        assert second.startswith("✅ Right!") and "question 2:" in second and "Cuando era niño" in second
        third = await say(client, NEW_YORK, "wamid.N5", "jugaba", 5)  # right again: B2
        assert "question 3:" in third and "Si ___ más dinero" in third
        placed = await say(client, NEW_YORK, "wamid.N6", "tengo", 6)  # wrong at B2: B1 passed, B2 failed
        assert placed.startswith("❌ It's *tuviera*.") and "level *B1*" in placed
        profile = await _profile(app, NEW_YORK)
        assert profile.level == "B1"
        assert [(change.level, change.reason) for change in profile.level_history] == [("B1", "placement")]
        assert len(llm_emulator.requests) == 2

        goals = await say(client, NEW_YORK, "wamid.N7", "Me gusta el fútbol.", 7)
        assert goals.startswith("¡Qué bien!") and "What do you want to use Spanish for" in goals
        # the answer is recorded, and still gets the tutor's reply, with the next question
        interests = await say(client, NEW_YORK, "wamid.N8", "Travelling in Mexico next summer", 8)
        assert interests.startswith("¡Qué bien!") and "What do you like talking about" in interests
        assert (await _profile(app, NEW_YORK)).goals == ["Travelling in Mexico next summer"]

        assert await say(client, NEW_YORK, "wamid.N9", "skip", 9) == "No problem, let's just keep talking."
        reminder = await say(client, NEW_YORK, "wamid.N10", "Nueva York es muy grande.", 10)
        assert "What time should I remind you" in reminder and "America/New_York" in reminder
        done = await say(client, NEW_YORK, "wamid.N11", "8:30 please", 11)
        assert done == "Done: a reminder every day at 08:30 (America/New_York)."
        profile = await _profile(app, NEW_YORK)
        assert (profile.reminder_times, profile.timezone, profile.interests) == (["08:30"], "America/New_York", [])
        learner = await app.state.services.store.find_learner("whatsapp", NEW_YORK)
        schedule = await app.state.services.store.schedule.get(learner.id)  # the practice schedule follows
        assert schedule.signature == "08:30@America/New_York" and schedule.next_due_at is not None

        last = await say(client, NEW_YORK, "wamid.N12", "Hoy hace sol.", 12)
        assert last == "¡Qué bien!"  # every question answered or skipped: nothing rides along any more
        assert profile.onboarding.closed == {"languages": "answered", "placement": "answered", "goals": "answered",
                                              "interests": "skipped", "reminder": "answered"}


async def test_ignored_questions_come_back_once_and_answers_are_not_repeated(whatsapp, llm_emulator, graph):
    settings, say, post = whatsapp
    llm_emulator.reply_fn = ScriptedTutor(tutor_turn("¡Genial!"))
    async with serving(settings) as (app, client):
        first = await say(client, MADRID, "wamid.M1", "Hola, ¿qué tal estás hoy?", 1)
        # a Spanish number writing Spanish: Spanish native, practising English; asked in Spanish
        assert "hablas español y quieres practicar inglés, ¿verdad?" in first

        ignored = await say(client, MADRID, "wamid.M2", "Me encanta la música.", 2)
        assert ignored.startswith("¡Genial!")  # not an answer: an ordinary tutor turn
        assert "¿Para qué quieres usar el inglés" in ignored  # the next question, not the same one again
        assert len(llm_emulator.requests) == 2

        assert await say(client, MADRID, "wamid.M3", "saltar", 3) == "Sin problema, sigamos hablando."
        interests = await say(client, MADRID, "wamid.M4", "¿Qué tiempo hace en Londres?", 4)
        assert "¿De qué te gusta hablar" in interests
        reminder = await say(client, MADRID, "wamid.M5", "¿Y en Madrid?", 5)  # a question back is conversation
        assert "¿A qué hora te recuerdo" in reminder and "Europe/Madrid" in reminder
        set_ = await say(client, MADRID, "wamid.M6", "a las 9 de la noche", 6)
        assert set_ == "Hecho: un recordatorio cada día a las 21:00 (Europe/Madrid)."
        profile = await _profile(app, MADRID)
        assert (profile.reminder_times, profile.timezone) == (["21:00"], "Europe/Madrid")

        again = await say(client, MADRID, "wamid.M7", "Gracias", 7)  # the ignored question, once more
        assert "hablas español y quieres practicar inglés" in again
        assert await say(client, MADRID, "wamid.M8", "sí", 8) == \
            "¡Perfecto! Practicaremos inglés, con explicaciones en español."
        profile = await _profile(app, MADRID)
        assert (profile.native_language, profile.target_language) == ("es", "en")

        placement = await say(client, MADRID, "wamid.M9", "I like music a lot", 9)
        assert "Prueba rápida de nivel" in placement and "*Yesterday we ___ to the beach.*" in placement
        await post(client, MADRID, "wamid.M10", "went")
        await post(client, MADRID, "wamid.M10", "went")  # the provider delivers the answer twice
        answered = await say(client, MADRID, "wamid.M11", "saltar", 11)
        assert answered == "Sin problema, sigamos hablando."  # placement skipped after one answer
        texts = graph.texts(MADRID)
        assert texts[9].startswith("✅ ¡Correcto!") and len(texts) == 11  # the duplicate answered nothing
        interests_again = await say(client, MADRID, "wamid.M12", "Hace calor hoy", 12)
        assert "¿De qué te gusta hablar" in interests_again  # asked a second time: the last time
        assert await say(client, MADRID, "wamid.M13", "¿Y mañana?", 13) == "¡Genial!"  # ignored again: dropped
        profile = await _profile(app, MADRID)
        assert profile.onboarding.closed["interests"] == "dropped"
        assert profile.level_history == []  # a skipped placement sets no level


async def test_a_learner_from_before_onboarding_is_not_asked(whatsapp, llm_emulator, graph):
    settings, say, _ = whatsapp
    llm_emulator.reply_fn = ScriptedTutor(tutor_turn("¡Genial!"))
    settings.tutor.onboarding = False
    async with serving(settings) as (app, client):
        assert await say(client, MADRID, "wamid.B1", "Hola, ¿qué tal?", 1) == "¡Genial!"
    settings.tutor.onboarding = True  # the feature arrives: the learner already has turns
    async with serving(settings) as (app, client):
        assert await say(client, MADRID, "wamid.B2", "Hoy hace sol.", 2) == "¡Genial!"
        assert await say(client, MADRID, "wamid.B3", "Me gusta el mar.", 3) == "¡Genial!"
        assert set((await _profile(app, MADRID)).onboarding.closed.values()) == {"before"}


async def test_a_city_named_in_the_reminder_answer_beats_the_phone_numbers_guess(whatsapp, llm_emulator, graph):
    from habla.domain.onboarding import OnboardingState

    settings, say, _ = whatsapp
    state = OnboardingState(guess_native="en", guess_target="es", guess_timezone="America/New_York",
                            pending="reminder", asked={"reminder": 1},
                            closed={"languages": "answered", "placement": "answered", "goals": "skipped",
                                    "interests": "skipped"})
    async with serving(settings) as (app, client):
        store = app.state.services.store
        learner = await store.learner("whatsapp", NEW_YORK)
        await store.update_profile(learner.id, lambda p: p.model_copy(update={"onboarding": state}))
        done = await say(client, NEW_YORK, "wamid.T1", "8:00, but I'm in London", 1)
        profile = await _profile(app, NEW_YORK)
        schedule = await store.schedule.get(learner.id)
    assert done == "Done: a reminder every day at 08:00 (Europe/London)."
    assert (profile.reminder_times, profile.timezone) == (["08:00"], "Europe/London")
    assert schedule.signature == "08:00@Europe/London"
    assert llm_emulator.requests == []
