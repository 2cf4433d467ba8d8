"""Practice cards on SQLite and real Postgres: made once, reviewed once per source, due and unseen in order,
the daily count of new cards, and gone with the learner's data."""

from __future__ import annotations

import asyncio

from habla.domain import practice_cards as rules
from habla.domain.learner import Profile
from habla.storage.database import create_engine, migrate
from habla.storage.store import Store

HOUR = 3600.0
START = 1_772_442_000.0  # 2026-03-02 09:00 UTC


async def _store(url: str) -> Store:
    await migrate(url)
    return Store(create_engine(url))


COMER = rules.word_seed("es", "comer", "to eat", "Me gusta comer.")
PERRO = rules.word_seed("es", "perro", "dog", "")


async def test_cards_are_made_once_and_reviewed_once_per_source(database_url):
    store = await _store(database_url)
    try:
        learner = await store.learner("whatsapp", "+34600000201", Profile())
        assert await store.practice.ensure(learner.id, [COMER, PERRO, COMER], START) == 2
        assert await store.practice.ensure(learner.id, [COMER], START + HOUR) == 0  # existing cards keep their schedule
        unseen = await store.practice.unseen(learner.id, 10)
        assert [c.front for c in unseen] == ["comer", "perro"] and all(c.reviews == 0 for c in unseen)
        comer = unseen[0]

        # two processes applying the same quiz answer at once: one review
        results = await asyncio.gather(*[
            store.practice.review(learner.id, comer.id, "good", "quiz", "wamid.Q1", START + 60) for _ in range(4)])
        assert sum(r is not None for r in results) == 1
        card = await store.practice.card(comer.id)
        assert card.reviews == 1 and card.due_at == START + 60 + 20 * HOUR and card.last_review_at == START + 60
        assert await store.practice.introduced_since(learner.id, START) == 1
        # a conversation review does not count against the day's new cards
        await store.practice.review(learner.id, unseen[1].id, "good", "conversation", "turn:t1", START + 120)
        assert await store.practice.introduced_since(learner.id, START) == 1

        assert await store.practice.due(learner.id, START + 10 * HOUR, 10) == []
        due = await store.practice.due(learner.id, START + 21 * HOUR, 10)
        assert [c.front for c in due] == ["comer", "perro"]  # most overdue first (comer was reviewed a minute earlier)
        assert await store.practice.unseen(learner.id, 10) == []
        assert await store.practice.review(learner.id, "0" * 32, "good", "quiz", "wamid.Q2", START) is None
    finally:
        await store.aclose()


async def test_cards_and_reviews_are_erased_and_exported_with_the_learner(database_url):
    store = await _store(database_url)
    try:
        learner = await store.learner("whatsapp", "+34600000202", Profile())
        other = await store.learner("whatsapp", "+34600000203", Profile())
        for who in (learner, other):
            await store.practice.ensure(who.id, [COMER], START)
            [card] = await store.practice.unseen(who.id, 1)
            await store.practice.review(who.id, card.id, "again", "quiz", "wamid.Q1", START)
        exported = await store.export("whatsapp", "+34600000202")
        assert [row["front"] for row in exported["practice_cards"]] == ["comer"]
        assert [row["rating"] for row in exported["practice_reviews"]] == ["again"]
        assert await store.erase("whatsapp", "+34600000202") == learner.id
        assert await store.practice.for_learner(learner.id) == []
        assert len(await store.practice.for_learner(other.id)) == 1
    finally:
        await store.aclose()
