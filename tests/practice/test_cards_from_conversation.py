"""Cards and reviews from the conversation itself, through the WhatsApp webhook on both deployments: a new
word becomes a card, a mistake corrected twice becomes one, using the word later is a Good, repeating the
mistake is an Again — and a redelivered message reviews nothing twice."""

from __future__ import annotations

from habla_testkit.bus import wait_until
from tests.api.test_whatsapp_routes import LEARNER, serving
from tests.pedagogy.test_tutor_turns import TIRED, ScriptedTutor, tutor_turn, whatsapp  # noqa: F401 (fixtures)

PLAYA = {"lemma": "playa", "translation": "beach", "example": "Vamos a la playa."}


HABIT = "error:ser_estar:soy cansado→estoy cansado"


async def _cards(app):
    store = app.state.services.store
    learner = await store.find_learner("whatsapp", LEARNER)
    return {card.key: card for card in await store.practice.for_learner(learner.id)}


async def _once(app, what: str, predicate):
    """The cards once ``predicate(cards)`` holds: the hook runs after the reply is out."""
    async def holds():
        return predicate(await _cards(app))
    await wait_until(holds, what=what)
    return await _cards(app)


async def test_words_and_recurring_mistakes_become_cards_the_conversation_reviews(whatsapp, llm_emulator, graph):
    settings, say = whatsapp
    llm_emulator.reply_fn = ScriptedTutor(
        tutor_turn("¿Por qué?", [TIRED], [PLAYA]),
        tutor_turn("¡Descansa!", [TIRED]),
        tutor_turn("¡Qué bien!"),
        tutor_turn("Otra vez…", [TIRED]),
    )
    async with serving(settings) as (app, client):
        await say(client, "wamid.C1", "Hoy soy cansado", 1)
        cards = await _once(app, "the word card", lambda cards: "word:es:playa" in cards)
        assert list(cards) == ["word:es:playa"]  # one correction is not a habit yet
        assert cards["word:es:playa"].back == "beach" and cards["word:es:playa"].reviews == 0

        await say(client, "wamid.C2", "Todavía soy cansado", 2)
        habit = (await _once(app, "the error card", lambda cards: HABIT in cards))[HABIT]
        assert (habit.front, habit.back, habit.reviews) == ("soy cansado", "estoy cansado", 0)

        # the learner uses the word (as "playas") and the right form: both cards get a Good
        await say(client, "wamid.C3", "Ahora estoy cansado de las playas", 3)
        cards = await _once(app, "two reviews", lambda cards: cards[HABIT].reviews and cards["word:es:playa"].reviews)
        assert cards["word:es:playa"].reviews == 1 and cards[HABIT].reviews == 1
        assert round(cards[HABIT].due_at - cards[HABIT].last_review_at) == 20 * 3600  # the second learning step
        good_due = cards[HABIT].due_at

        # the same mistake again: an Again sends the card back to its first learning step (4 h)
        await say(client, "wamid.C4", "Pero soy cansado", 4)
        habit = (await _once(app, "the again", lambda cards: cards[HABIT].reviews == 2))[HABIT]
        assert round(habit.due_at - habit.last_review_at) == 4 * 3600 and habit.due_at < good_due
