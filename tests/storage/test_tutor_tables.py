"""Corrections and learner words on SQLite and real Postgres: written with their turn, once, counted, exported
and erased with the learner."""

from __future__ import annotations

import uuid

from habla.domain.learner import Profile, Turn
from habla.domain.tutor_turn import Correction, NewWord
from habla.storage.database import create_engine, migrate
from habla.storage.store import Store


async def _store(url: str) -> Store:
    await migrate(url)
    return Store(create_engine(url))


def _turn(learner_id: str, key: str, at: float, path: str | None = None) -> Turn:
    return Turn(uuid.uuid4().hex, learner_id, key, "Yo soy cansado", "¡Ánimo!", "fast", at, path)


TIRED = Correction(original="soy cansado", corrected="estoy cansado", category="ser_estar",
                   explanation="A state uses estar.", severity="major")
COLD_WATER = Correction(original="el agua fría es", corrected="el agua fría está", category="ser_estar",
                     explanation="Temporary: estar.", severity="minor")
GENDER = Correction(original="la problema", corrected="el problema", category="gender",
                    explanation="Problema is masculine.", severity="major")


async def test_corrections_are_saved_with_their_turn_once(database_url):
    store = await _store(database_url)
    try:
        learner = await store.learner("whatsapp", "+34600000101", Profile())
        first = await store.save_turn(_turn(learner.id, "whatsapp:m1", 100.0, path="structured"), corrections=[TIRED, COLD_WATER], language="es")
        # the same message delivered again: the first turn wins and no correction is added twice
        again = await store.save_turn(_turn(learner.id, "whatsapp:m1", 101.0), corrections=[TIRED], language="es")
        assert again.id == first.id and again.path == "structured"
        assert (await store.turn_for("whatsapp:m1")).path == "structured"
        await store.save_turn(_turn(learner.id, "whatsapp:m2", 200.0), corrections=[GENDER], language="es")

        assert [c.original for c in await store.corrections.for_turn(first.id)] == ["soy cansado", "el agua fría es"]
        newest = await store.corrections.for_learner(learner.id)
        assert [c.category for c in newest] == ["gender", "ser_estar", "ser_estar"]
        assert newest[0].severity == "major" and newest[0].explanation == "Problema is masculine."
        assert [c.original for c in await store.corrections.for_learner(learner.id, since=150.0)] == ["la problema"]
        assert await store.corrections.counts(learner.id) == {"ser_estar": 2, "gender": 1}
        assert await store.corrections.counts(learner.id, since=150.0) == {"gender": 1}
    finally:
        await store.aclose()


async def test_words_are_counted_by_lemma_per_language(database_url):
    store = await _store(database_url)
    try:
        learner = await store.learner("whatsapp", "+34600000102", Profile())
        other = await store.learner("whatsapp", "+34600000103", Profile())
        comer = NewWord(lemma="comer", translation="to eat", example="Me gusta comer fruta.")
        await store.save_turn(_turn(learner.id, "whatsapp:w1", 10.0),
                              words=[comer, NewWord(lemma="perro", translation="", example=""), comer], language="es")
        await store.save_turn(_turn(learner.id, "whatsapp:w2", 20.0),
                              words=[NewWord(lemma="perro", translation="dog", example="El perro ladra."),
                                     NewWord(lemma="comer", translation="to dine", example="")], language="es")
        await store.save_turn(_turn(learner.id, "whatsapp:w2", 25.0), words=[comer], language="es")  # redelivery
        await store.save_turn(_turn(learner.id, "whatsapp:w3", 30.0),
                              words=[NewWord(lemma="chat", translation="cat", example="Le chat dort.")], language="fr")
        await store.save_turn(_turn(other.id, "whatsapp:o1", 40.0), words=[comer], language="es")

        spanish = {w.lemma: w for w in await store.words.all(learner.id, language="es")}
        assert set(spanish) == {"comer", "perro"}
        assert spanish["comer"].times_seen == 2 and spanish["comer"].translation == "to eat"  # the first one kept
        assert (spanish["comer"].first_seen, spanish["comer"].last_seen) == (10.0, 20.0)
        assert spanish["perro"].translation == "dog" and spanish["perro"].example == "El perro ladra."  # empty filled
        assert [w.lemma for w in await store.words.newest(learner.id, 1)] == ["chat"]
        assert [w.lemma for w in await store.words.all(learner.id)] == ["comer", "perro", "chat"]
        assert await store.words.count(learner.id) == 3
        assert await store.words.count(learner.id, language="fr") == 1
        assert await store.words.count(other.id) == 1
    finally:
        await store.aclose()


async def test_export_and_erase_cover_corrections_and_words(database_url):
    store = await _store(database_url)
    try:
        learner = await store.learner("whatsapp", "+34600000104", Profile())
        kept = await store.learner("whatsapp", "+34600000105", Profile())
        for who in (learner, kept):
            await store.save_turn(_turn(who.id, f"whatsapp:e-{who.id}", 5.0), corrections=[TIRED],
                                  words=[NewWord(lemma="cansado", translation="tired", example="Estoy cansado.")],
                                  language="es")
        exported = await store.export("whatsapp", "+34600000104")
        assert [row["corrected"] for row in exported["corrections"]] == ["estoy cansado"]
        assert [row["lemma"] for row in exported["learner_words"]] == ["cansado"]

        assert await store.erase("whatsapp", "+34600000104") == learner.id
        assert await store.corrections.for_learner(learner.id) == []
        assert await store.words.all(learner.id) == []
        assert len(await store.corrections.for_learner(kept.id)) == 1  # nobody else's rows
        assert await store.words.count(kept.id) == 1
    finally:
        await store.aclose()
