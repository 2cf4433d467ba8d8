"""Commands through the WhatsApp webhook (real app, agents, bus and store on both deployments), the Graph
emulator on the far side: each command in the learner's native language (English) and target language
(Spanish), answered in their native language, once, without a model call when the rules read it."""

from __future__ import annotations

import json
import time
import uuid

import pytest

from habla.domain.learner import Turn
from habla.domain.profile import Profile
from habla.domain.taxonomy import label
from habla.domain.tutor_turn import Correction, NewWord
from habla.pedagogy.command_texts import say
from habla.pedagogy.grammar_answers import table_answer, verb_answer
from habla.pedagogy.tables import unknown_verb
from habla.pedagogy.words import words_text
from habla_testkit.backends import llm_settings
from habla_testkit.bus import wait_until
from tests.api.test_whatsapp_routes import APP_SECRET, LEARNER, VERIFY_TOKEN, serving, signed, text_body
from tests.pedagogy.test_tutor_turns import ScriptedTutor, tutor_turn

DAY = 24 * 3600


@pytest.fixture
def whatsapp(make_settings, graph, llm_emulator):
    """The real app's settings, and ``say(client, message_id, text)``: post a signed text and return the next reply."""
    settings = make_settings(llm=llm_settings(llm_emulator),
                             whatsapp=graph.settings(app_secret=APP_SECRET, verify_token=VERIFY_TOKEN))

    async def ask(client, message_id: str, text: str) -> str:
        before = len(graph.texts(LEARNER))
        raw = text_body(message_id, text)
        assert (await client.post("/webhooks/whatsapp", content=raw, headers=signed(raw))).status_code == 200
        await wait_until(lambda: len(graph.texts(LEARNER)) > before, what=f"the answer to {text!r}")
        return graph.texts(LEARNER)[before]

    return settings, ask


async def _learner(app, **profile):
    """The learner (English speaker learning Spanish unless told otherwise), created before they write."""
    store = app.state.services.store
    learner = await store.learner("whatsapp", LEARNER, None)
    await store.update_profile(learner.id, lambda p: p.model_copy(update={"target_language": "es", "native_language": "en", **profile}))
    return await store.find_learner("whatsapp", LEARNER)


async def test_verb_and_grammar_tables_in_both_languages(whatsapp, llm_emulator, conjugation_libraries):
    settings, ask = whatsapp
    async with serving(settings) as (app, client):
        learner = await _learner(app)
        profile = learner.profile
        comer = await verb_answer("comer", profile)
        assert await ask(client, "wamid.V1", "Show me the verb comer") == comer
        assert await ask(client, "wamid.V2", "conjuga el verbo comer") == comer
        ser = await ask(client, "wamid.V3", "conjugate ser")
        assert ser == await verb_answer("ser", profile) and "soy" in ser
        assert await ask(client, "wamid.V4", "show me verbs") == await verb_answer(None, profile)
        articles = await table_answer("articles", profile)
        assert await ask(client, "wamid.V5", "the articles") == articles
        assert await ask(client, "wamid.V6", "los artículos") == articles
        assert await ask(client, "wamid.V7", "los pronombres") == await table_answer("pronouns", profile)
        turns = await app.state.services.store.recent_turns(learner.id, 10)
    assert "```" in comer and "como" in comer  # the library's table, fenced for a phone
    assert llm_emulator.requests == []  # the rules read them all: no model call
    assert turns == []  # a command is not a conversation turn


async def test_my_words_arrive_as_images_uploaded_then_sent_by_media_id(whatsapp, llm_emulator, graph):
    settings, ask = whatsapp
    llm_emulator.reply_fn = ScriptedTutor(tutor_turn("¡Qué bien!", new_words=[
        {"lemma": "perros", "translation": "dogs", "example": "Tengo dos perros."},
        {"lemma": "la playa", "translation": "the beach", "example": "Vamos a la playa."},
    ]))
    async with serving(settings) as (app, client):
        await _learner(app)
        await ask(client, "wamid.W0", "Tengo dos perros y me gusta la playa")
        assert await ask(client, "wamid.W1", "show me my words") == words_text(2, "en")
        await wait_until(lambda: sum(b["type"] == "image" for b in graph.sent) == 2, what="two cards")
        assert await ask(client, "wamid.W2", "mis palabras") == words_text(2, "en")
        await wait_until(lambda: sum(b["type"] == "image" for b in graph.sent) == 4, what="two more cards")
    images = [body for body in graph.sent if body["type"] == "image"]
    assert [body["image"]["caption"] for body in images[:2]] == ["*la playa* — the beach", "*perro* — dogs"]
    for body in images:
        data, mime = graph.uploads[body["image"]["id"]]  # sent by the media id the upload answered
        assert mime == "image/png" and data[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(llm_emulator.requests) == 1  # the conversation turn; the commands cost nothing


async def test_reminders_are_stored_changed_and_stopped_once_per_message(whatsapp, graph):
    settings, ask = whatsapp
    async with serving(settings) as (app, client):
        store = app.state.services.store
        await _learner(app)
        assert await ask(client, "wamid.R1", "remind me at 8") == say("reminders_set", "en", times="08:00")
        assert (await store.find_learner("whatsapp", LEARNER)).profile.reminder_times == ["08:00"]
        reply = await ask(client, "wamid.R2", "recuérdame a las 7:30 y a las 9 de la noche")
        assert reply == say("reminders_set", "en", times="07:30, 21:00")
        assert (await store.find_learner("whatsapp", LEARNER)).profile.reminder_times == ["07:30", "21:00"]
        raw = text_body("wamid.R2", "recuérdame a las 7:30 y a las 9 de la noche")  # the webhook redelivered
        assert (await client.post("/webhooks/whatsapp", content=raw, headers=signed(raw))).status_code == 200
        assert await ask(client, "wamid.R3", "remind me") == say("reminder_which_time", "en")
        assert await ask(client, "wamid.R4", "no más recordatorios") == say("reminders_stopped", "en")
        assert (await store.find_learner("whatsapp", LEARNER)).profile.reminder_times == []
        assert await ask(client, "wamid.R5", "stop reminders") == say("reminders_stopped", "en")
    assert len(graph.texts(LEARNER)) == 5  # the redelivery answered nothing twice


async def test_level_strictness_explanations_and_help_in_both_languages(whatsapp, llm_emulator):
    settings, ask = whatsapp
    async with serving(settings) as (app, client):
        store = app.state.services.store
        await _learner(app, level="A2")

        async def profile() -> Profile:
            return (await store.find_learner("whatsapp", LEARNER)).profile

        assert await ask(client, "wamid.L1", "easier") == say("level_now", "en", level="A1")
        assert (await profile()).level == "A1"
        assert await ask(client, "wamid.L2", "más fácil") == say("level_limit", "en", level="A1")
        assert await ask(client, "wamid.L3", "más difícil") == say("level_now", "en", level="A2")
        assert await ask(client, "wamid.L4", "harder") == say("level_now", "en", level="B1")
        assert [(c.level, c.reason) for c in (await profile()).level_history] == [
            ("A1", "easier"), ("A2", "harder"), ("B1", "harder")]

        assert await ask(client, "wamid.S1", "gentler") == say("strictness_gentle", "en")
        assert (await profile()).strictness == "gentle"
        assert await ask(client, "wamid.S2", "más estricto") == say("strictness_normal", "en")
        assert await ask(client, "wamid.S3", "stricter") == say("strictness_strict", "en")
        assert (await profile()).strictness == "strict"
        assert await ask(client, "wamid.S4", "más estricto") == say("strictness_limit", "en")

        assert await ask(client, "wamid.E1", "explicaciones en español") == "OK: explanations in Spanish from now on."
        assert (await profile()).explanation_language == "es"
        await ask(client, "wamid.E2", "explanations in English")
        assert (await profile()).explanation_language == "en"

        assert await ask(client, "wamid.H1", "help") == say("help", "en")
        assert await ask(client, "wamid.H2", "ayuda") == say("help", "en")
    assert llm_emulator.requests == []


async def test_a_french_speaker_is_answered_in_french(whatsapp):
    settings, ask = whatsapp
    async with serving(settings) as (app, client):
        await _learner(app, native_language="fr")
        assert await ask(client, "wamid.F1", "rappelle-moi à 8h30") == "⏰ C'est noté : je te le rappellerai chaque jour à 08:30."
        assert await ask(client, "wamid.F2", "aide") == say("help", "fr")
        assert await ask(client, "wamid.F3", "explications en anglais") == "D'accord : désormais, les explications en anglais."


async def test_mistakes_and_progress_after_scripted_turns(whatsapp, llm_emulator):
    settings, ask = whatsapp
    tired = {"original": "soy cansado", "corrected": "estoy cansado", "category": "ser_estar",
             "explanation": "A passing state takes estar.", "severity": "major"}
    llm_emulator.reply_fn = ScriptedTutor(
        tutor_turn("¿Por qué?", [tired], [{"lemma": "cansado", "translation": "tired", "example": "Estoy cansado."}]),
        tutor_turn("¡Ánimo!", [{**tired, "original": "soy triste", "corrected": "estoy triste"}],
                   [{"lemma": "cansados", "translation": "tired", "example": "Están cansados."}]),
    )
    async with serving(settings) as (app, client):
        store = app.state.services.store
        learner = await _learner(app, timezone="America/Mexico_City")
        now = time.time()
        # the learner also wrote yesterday and the day before (one article slip each), and 9 days ago (two)
        for days_ago, corrections in ((1, 1), (2, 1), (9, 2)):
            at = now - days_ago * DAY
            slip = Correction(original="el casa", corrected="la casa", category="article", explanation="Casa is feminine.",
                              severity="major")
            await store.save_turn(
                Turn(id=uuid.uuid4().hex, learner_id=learner.id, inbound_key=f"whatsapp:old-{days_ago}",
                     user_text="el casa", reply_text="¡Bien!", created_at=at, path="structured"),
                corrections=[slip] * corrections,
                words=[NewWord(lemma="casa", translation="house", example="Mi casa.")], language="es",
            )
        await ask(client, "wamid.P1", "Hoy soy cansado")
        await ask(client, "wamid.P2", "Y soy triste")
        mistakes = await ask(client, "wamid.P3", "my mistakes")
        assert await ask(client, "wamid.P4", "mis errores") == mistakes
        await ask(client, "wamid.P5", "easier")
        progress = await ask(client, "wamid.P6", "mi progreso")
        assert await ask(client, "wamid.P7", "my progress") == progress
    lines = mistakes.splitlines()
    assert lines[0] == "Your mistakes by kind:"
    assert f"*{label('article', 'en')}*: 4" in lines and f"*{label('ser_estar', 'en')}*: 2" in lines
    assert "  ~soy triste~ → *estoy triste*" in lines and "  ~soy cansado~ → *estoy cansado*" in lines
    progress_lines = progress.splitlines()
    assert progress_lines[:4] == ["📈 Your progress", "🔥 Streak: 3 day(s) in a row",
                                  "📝 Words learned: 2",  # casa, cansado ("cansados" is the same lemma)
                                  "🎯 Level: A1"]
    assert "Mistakes this week vs the week before:" in progress_lines
    assert f"📈 {label('ser_estar', 'en')}: 0 → 2" in progress_lines  # new this week: trending up
    assert f"➖ {label('article', 'en')}: 2 → 2" in progress_lines  # two 9 days ago, two this week


async def test_ordinary_conversation_is_not_a_command_and_costs_no_extra_call(whatsapp, llm_emulator):
    settings, ask = whatsapp
    llm_emulator.reply_fn = ScriptedTutor(tutor_turn("¡Qué bonito!"))
    async with serving(settings) as (app, client):
        await _learner(app)
        assert await ask(client, "wamid.C1", "Me gusta enseñar verbos españoles a mis amigos") == "¡Qué bonito!"
        assert await ask(client, "wamid.C2", "Hola, ¿qué tal?") == "¡Qué bonito!"
    assert len(llm_emulator.requests) == 2  # one tutor turn each, no classification


async def test_what_the_rules_miss_the_model_classifies(whatsapp, llm_emulator, conjugation_libraries):
    """A short request about the tutor worded unlike any rule: one classification call, then the answer; a
    short sentence about verbs that the model calls conversation gets the tutor's turn."""
    settings, ask = whatsapp

    def reply(messages):
        system = messages[0]["content"] if messages[0]["role"] == "system" else ""
        if system.startswith("You route messages"):
            said = messages[-1]["content"]
            if "table for ser" in said:
                return json.dumps({"kind": "verb", "verb": "ser"})
            return json.dumps({"kind": "conversation"})
        return tutor_turn("¡Claro!")

    llm_emulator.reply_fn = reply
    async with serving(settings) as (app, client):
        learner = await _learner(app)
        answer = await ask(client, "wamid.M1", "could I get the conjugation table for ser?")
        assert answer == await verb_answer("ser", learner.profile)
        assert await ask(client, "wamid.M2", "what are verbs for?") == "¡Claro!"
        assert await ask(client, "wamid.M3", "I think verbs are fun") == "¡Claro!"
    assert len(llm_emulator.requests) == 4  # classification; classification + tutor turn; tutor turn only


async def test_easier_and_gentler_step_once_when_the_worker_dies_before_answering(whatsapp, graph, monkeypatch):
    """The step is stored, then the worker dies before the answer is handed to the sender: the bus hands the
    message out again, and the redelivery answers with where the one step led instead of stepping again."""
    from habla.pedagogy import commands

    settings, ask = whatsapp
    real_publish = commands.publish_reply
    crashes = []

    async def crash_once_per_message(services, inbound, *args, **kwargs):
        if inbound.message_id not in crashes:
            crashes.append(inbound.message_id)
            raise ConnectionResetError("the worker died after the step was stored")
        await real_publish(services, inbound, *args, **kwargs)

    monkeypatch.setattr(commands, "publish_reply", crash_once_per_message)
    async with serving(settings) as (app, client):
        store = app.state.services.store
        await _learner(app, level="B1", strictness="normal")
        assert await ask(client, "wamid.C1", "easier") == say("level_now", "en", level="A2")
        assert await ask(client, "wamid.C2", "gentler") == say("strictness_gentle", "en")
        profile = (await store.find_learner("whatsapp", LEARNER)).profile
    assert crashes == ["wamid.C1", "wamid.C2"]  # each message's first handling died, its redelivery answered
    assert (profile.level, profile.strictness) == ("A2", "gentle")
    assert [(c.level, c.reason) for c in profile.level_history] == [("A2", "easier")]
    assert len(graph.texts(LEARNER)) == 2


async def test_naming_a_time_zone_sets_it_and_moves_the_reminders(whatsapp, graph):
    settings, ask = whatsapp
    async with serving(settings) as (app, client):
        store = app.state.services.store
        learner = await _learner(app, timezone="America/New_York")
        assert await ask(client, "wamid.Z1", "remind me at 8") == say("reminders_set", "en", times="08:00")
        moved = await ask(client, "wamid.Z2", "my time zone is London")
        assert moved.startswith("🕐 Got it: your time zone is Europe/London (it's ")
        assert (await store.find_learner("whatsapp", LEARNER)).profile.timezone == "Europe/London"
        assert (await store.schedule.get(learner.id)).signature == "08:00@Europe/London"
        assert await ask(client, "wamid.Z3", "mi zona horaria es España") == say("timezone_city", "en", place="España")
        assert await ask(client, "wamid.Z4", "my time zone is Narnia") == say("timezone_which", "en")
        assert (await store.find_learner("whatsapp", LEARNER)).profile.timezone == "Europe/London"


async def test_a_verb_named_in_english_gets_the_spanish_tables_the_library_knows(whatsapp, llm_emulator,
                                                                                 conjugation_libraries):
    """"conjugate to be" from a learner of Spanish: one small call names the Spanish infinitives, and the
    conjugation library (not the model) makes the tables; a name the library does not know is dropped."""
    settings, ask = whatsapp
    named = {"to be": ["ser", "estar"], "to flurb": ["flurbar"], "the table": []}

    def reply(messages):
        system = messages[0]["content"]
        assert system.startswith("The learner of Spanish asked for the conjugation"), system
        return json.dumps({"infinitives": named[messages[-1]["content"]]})

    llm_emulator.reply_fn = reply
    async with serving(settings) as (app, client):
        learner = await _learner(app)
        both = await ask(client, "wamid.V1", "conjugate to be")
        ser, estar = await verb_answer("ser", learner.profile), await verb_answer("estar", learner.profile)
        assert both == f"{ser}\n\n{estar}"
        assert await ask(client, "wamid.V2", "conjugate to flurb") == unknown_verb("to flurb", "es", "en")
        assert await ask(client, "wamid.V3", "conjugate the table") == unknown_verb("the table", "es", "en")
        requests = len(llm_emulator.requests)
        assert await ask(client, "wamid.V4", "conjugate comer") == await verb_answer("comer", learner.profile)
    assert requests == 3 and len(llm_emulator.requests) == 3  # a verb the library knows costs no call
