"""Quizzes through the WhatsApp webhook on both deployments: "quiz me" asks about a card, a tapped reply
button or list row (as the Cloud API sends them) or a typed number answers it, and the card's FSRS schedule
moves — without a model call and before the fair-use gate."""

from __future__ import annotations

import json

from habla.domain import practice_cards as rules
from habla.domain.learner import Profile
from habla.practice.quiz import PROFILE_KEY
from habla_testkit.bus import wait_until
from tests.api.test_whatsapp_routes import LEARNER, body, serving, signed
from tests.pedagogy.test_tutor_turns import whatsapp  # noqa: F401 (fixtures)

WORDS = [("comer", "to eat"), ("perro", "dog"), ("gato", "cat")]


def tapped(message_id: str, title: str, reply_type: str) -> bytes:
    """A button_reply or list_reply as the Cloud API posts it (the recorded payloads, re-addressed)."""
    name = "interactive_button_reply" if reply_type == "button_reply" else "interactive_list_reply"
    document = json.loads(body(name))
    message = document["entry"][0]["changes"][0]["value"]["messages"][0]
    message["id"] = message_id
    message["interactive"][reply_type].update({"id": f"choice-{title}", "title": title})
    return json.dumps(document, ensure_ascii=False).encode()


async def _post(client, raw: bytes) -> None:
    assert (await client.post("/webhooks/whatsapp", content=raw, headers=signed(raw))).status_code == 200


async def _pending(store, learner_id: str) -> dict:
    learner = await store.find_learner("whatsapp", LEARNER)
    return (learner.profile.model_extra or {}).get(PROFILE_KEY)


async def test_quiz_taps_and_numbers_grade_the_cards(whatsapp, graph, llm_emulator):
    settings, say = whatsapp
    async with serving(settings) as (app, client):
        store = app.state.services.store
        learner = await store.learner("whatsapp", LEARNER, Profile())
        seeds = [rules.word_seed("es", lemma, meaning, "") for lemma, meaning in WORDS]
        await store.practice.ensure(learner.id, seeds, 1_000.0)
        habit = rules.CardSeed(rules.error_key("ser_estar", "soy cansado", "estoy cansado"), "error", "es",
                               "soy cansado", "estoy cansado", "Estar for states.")
        await store.practice.ensure(learner.id, [habit], 2_000.0)  # newer: asked after the words

        question = await say(client, "wamid.QUIZ1", "quiz me", 1)
        first = await _pending(store, learner.id)
        card = await store.practice.card(first["card_id"])
        assert card.front == "comer" and question.startswith("🧠 What does *comer* mean?")
        assert sorted(first["options"]) == ["cat", "dog", "to eat"]
        assert all(f"{n}. {option}" in question for n, option in enumerate(first["options"], start=1))
        assert graph.choices(LEARNER) == [first["options"]]  # shown as WhatsApp reply buttons

        # the right option tapped as a reply button: a Good (20 h, the second learning step)
        await _post(client, tapped("wamid.QUIZ2", "to eat", "button_reply"))
        await wait_until(lambda: len(graph.texts(LEARNER)) >= 2, what="the graded answer")
        assert graph.texts(LEARNER)[1].startswith("✅ Right: *to eat*")
        card = await store.practice.card(card.id)
        assert card.reviews == 1 and round(card.due_at - card.last_review_at) == 20 * 3600

        # a wrong row picked from a list: an Again (4 h)
        second = await _pending(store, learner.id)
        assert second["card_id"] != card.id
        wrong = next(option for index, option in enumerate(second["options"]) if index != second["answer"])
        await _post(client, tapped("wamid.QUIZ3", wrong, "list_reply"))
        await wait_until(lambda: len(graph.texts(LEARNER)) >= 3, what="the second answer")
        assert graph.texts(LEARNER)[2].startswith(f"❌ It's *{second['back']}*")
        again = await store.practice.card(second["card_id"])
        assert again.reviews == 1 and round(again.due_at - again.last_review_at) == 4 * 3600

        # a typed number answers too (what Twilio and the console send)
        third = await _pending(store, learner.id)
        await say(client, "wamid.QUIZ4", str(third["answer"] + 1), 4)
        assert (await store.practice.card(third["card_id"])).reviews == 1
        # then the error pattern, as a choice between the wrong and the right form
        fourth = await _pending(store, learner.id)
        assert sorted(fourth["options"]) == ["estoy cansado", "soy cansado"]
        assert graph.texts(LEARNER)[3].split("\n\n")[1] == "🧠 Which one is right?"
        assert llm_emulator.requests == []  # no model call for any of it


async def test_a_lone_word_is_rated_again_good_easy_by_the_learner(whatsapp, graph, llm_emulator):
    settings, say = whatsapp
    async with serving(settings) as (app, client):
        store = app.state.services.store
        learner = await store.learner("whatsapp", LEARNER, Profile(native_language="es", target_language="it"))
        await store.practice.ensure(learner.id, [rules.word_seed("it", "mangiare", "comer", "")], 1_000.0)
        question = await say(client, "wamid.R1", "practicar", 1)
        assert question.startswith("🧠 *mangiare* — comer\n¿Qué tal lo sabías?")
        assert "1. Otra vez\n2. Bien\n3. Fácil" in question
        await _post(client, tapped("wamid.R2", "Fácil", "button_reply"))
        await wait_until(lambda: len(graph.texts(LEARNER)) >= 2, what="the rating")
        [card] = await store.practice.for_learner(learner.id)
        assert card.reviews == 1 and card.state == 2  # Easy graduates a new card straight to days
        assert card.due_at - card.last_review_at >= 86400
        assert graph.texts(LEARNER)[1].startswith("👍 Anotado.")
        assert await _pending(store, learner.id) is None  # nothing else to ask today
