"""Structured tutor turns through the WhatsApp webhook (real app, agents, bus and store on both
deployments), the LLM emulator answering scripted TutorTurn JSON and the Graph API emulator on the far side."""

from __future__ import annotations

import asyncio
import json

import pytest

from habla_testkit.backends import llm_settings
from habla_testkit.bus import wait_until
from tests.api.test_whatsapp_routes import APP_SECRET, LEARNER, VERIFY_TOKEN, serving, signed, text_body

TIRED = {"original": "soy cansado", "corrected": "estoy cansado", "category": "Ser vs. Estar",
         "explanation": "A passing state takes estar.", "severity": "major"}
SLIP = {"original": "ayer", "corrected": "Ayer", "category": "spelling", "explanation": "Capital at the start.",
        "severity": "minor"}
LOST = {"original": "comido un playa", "corrected": "comí en la playa", "category": "made-up thing",
        "explanation": "Otherwise it means you ate a beach.", "severity": "blocking"}


def tutor_turn(reply: str, corrections=(), new_words=(), pronounce=()) -> str:
    return json.dumps({"reply": reply, "corrections": list(corrections), "new_words": list(new_words),
                       "pronounce": list(pronounce)}, ensure_ascii=False)


class ScriptedTutor:
    """Answers the structured tutor prompt with the next scripted TutorTurn (or text), and remembers prompts."""

    def __init__(self, *answers: str) -> None:
        self.answers = list(answers)
        self.systems: list[str] = []

    def __call__(self, messages) -> str:
        system = messages[0]["content"] if messages and messages[0]["role"] == "system" else ""
        self.systems.append(system)
        return self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]


@pytest.fixture
def whatsapp(make_settings, graph, llm_emulator):
    """Settings for the real app, and ``say(client, message_id, text, replies)``: post a signed text message
    and wait for the learner's ``replies``-th text reply."""
    settings = make_settings(llm=llm_settings(llm_emulator),
                             whatsapp=graph.settings(app_secret=APP_SECRET, verify_token=VERIFY_TOKEN))

    async def say(client, message_id: str, text: str, replies: int) -> str:
        raw = text_body(message_id, text)
        assert (await client.post("/webhooks/whatsapp", content=raw, headers=signed(raw))).status_code == 200
        await wait_until(lambda: len(graph.texts(LEARNER)) >= replies, what=f"reply {replies}")
        return graph.texts(LEARNER)[replies - 1]

    return settings, say


async def _learner(app):
    store = app.state.services.store
    return await store.find_learner("whatsapp", LEARNER)


async def test_a_mistake_is_corrected_compactly_and_stored(whatsapp, llm_emulator, graph):
    settings, say = whatsapp
    tutor = ScriptedTutor(tutor_turn(
        "¡Vaya! ¿Y por qué estás cansado?", [TIRED],
        [{"lemma": "perros", "translation": "dogs", "example": "Tengo dos perros."}], ["estoy cansado"],
    ))
    llm_emulator.reply_fn = tutor
    async with serving(settings) as (app, client):
        reply = await say(client, "wamid.T1", "Hoy yo soy cansado", 1)
        # the 🔊 line goes out as a voice note after the text
        await wait_until(lambda: any(body["type"] == "audio" for body in graph.sent), what="the voice note")
        learner = await _learner(app)
        store = app.state.services.store
        [correction] = await store.corrections.for_learner(learner.id)
        turn = await store.turn_for("whatsapp:wamid.T1")
        words = await store.words.all(learner.id)
    lines = reply.splitlines()
    assert lines[0] == "¡Vaya! ¿Y por qué estás cansado?"  # the reply first
    assert "✏️ ~soy cansado~ → *estoy cansado*" in lines
    assert "_A passing state takes estar._" in lines
    assert "🔊 *estoy cansado*" in lines and "📝 *perro* — dogs" in lines
    assert (correction.category, correction.severity, correction.turn_id) == ("ser_estar", "major", turn.id)
    assert turn.path == "structured" and turn.tier == "fast"
    assert [(w.lemma, w.language, w.times_seen) for w in words] == [("perro", "es", 1)]  # by lemma
    # the prompt asked for the pair's categories, explained in the learner's native language
    assert "ser_estar" in tutor.systems[0] and "explanation (one short sentence in English)" in tutor.systems[0]
    request = llm_emulator.requests[-1]["json"]
    assert request["response_format"]["type"] == "json_schema"
    assert len(llm_emulator.requests) == 1


async def test_a_correct_sentence_gets_no_correction(whatsapp, llm_emulator):
    settings, say = whatsapp
    same = {**TIRED, "original": "estoy cansado", "corrected": "estoy cansado"}
    invented = {**TIRED, "original": "tengo hambre", "corrected": "tengo mucha hambre"}  # words never written
    llm_emulator.reply_fn = ScriptedTutor(tutor_turn("¡Descansa un poco!", [same, invented]))
    async with serving(settings) as (app, client):
        reply = await say(client, "wamid.T2", "Hoy estoy cansado.", 1)
        learner = await _learner(app)
        stored = await app.state.services.store.corrections.for_learner(learner.id)
    assert reply == "¡Descansa un poco!"
    assert stored == []


async def test_strictness_changes_what_is_shown_not_what_is_stored(whatsapp, llm_emulator):
    settings, say = whatsapp
    text = "ayer yo soy cansado y comido un playa"
    llm_emulator.reply_fn = ScriptedTutor(tutor_turn("¡Qué día!", [SLIP, TIRED, LOST]))
    shown = {}
    async with serving(settings) as (app, client):
        store = app.state.services.store
        for index, strictness in enumerate(("normal", "gentle", "strict"), start=1):
            if index > 1:
                learner = await _learner(app)
                await store.update_profile(learner.id, lambda p, s=strictness: p.model_copy(update={"strictness": s}))
            reply = await say(client, f"wamid.S{index}", text, index)
            shown[strictness] = [line for line in reply.splitlines() if line.startswith("✏️")]
        learner = await _learner(app)
        counts = await store.corrections.counts(learner.id)
    blocking = "✏️ ~comido un playa~ → *comí en la playa*"
    major = "✏️ ~soy cansado~ → *estoy cansado*"
    minor = "✏️ ~ayer~ → *Ayer*"
    assert shown["gentle"] == [blocking]
    assert shown["normal"] == [blocking, major]  # most serious first
    assert shown["strict"] == [blocking, major, minor]
    # every real correction is kept whatever is shown; an unknown category is "other", never dropped
    assert counts == {"spelling_accent": 3, "ser_estar": 3, "other": 3}


async def test_explanations_follow_the_chosen_language(whatsapp, llm_emulator):
    settings, say = whatsapp
    tutor = ScriptedTutor(tutor_turn("¡Bien!"))
    llm_emulator.reply_fn = tutor
    async with serving(settings) as (app, client):
        await say(client, "wamid.L1", "Hola", 1)
        learner = await _learner(app)
        await app.state.services.store.update_profile(
            learner.id, lambda p: p.model_copy(update={"explanation_language": "fr"}))
        await say(client, "wamid.L2", "Hola otra vez", 2)
    assert "explanation (one short sentence in English)" in tutor.systems[0]
    assert "explanation (one short sentence in French)" in tutor.systems[1]


async def test_invalid_json_twice_falls_back_to_free_text(whatsapp, llm_emulator):
    settings, say = whatsapp
    llm_emulator.reply_fn = ScriptedTutor('{"reply": ""}', "not json at all", "¡Hola! ¿Qué tal tu día?")
    async with serving(settings) as (app, client):
        reply = await say(client, "wamid.F1", "Hola", 1)
        turn = await app.state.services.store.turn_for("whatsapp:wamid.F1")
        await asyncio.sleep(0.3)
    assert reply == "¡Hola! ¿Qué tal tu día?"
    assert turn.path == "free_text" and turn.tier == "fast"
    formats = [r["json"].get("response_format", {}).get("type") for r in llm_emulator.requests]
    assert formats == ["json_schema", "json_schema", None]  # two structured tries, then plain text
