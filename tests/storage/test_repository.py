"""The store on SQLite and on real Postgres: migrations, dedupe, turns, deliveries, LLM accounting."""

from __future__ import annotations

import asyncio
import time
import uuid

from habla.domain.learner import Profile, Turn
from habla.domain.chat import CallRecord
from habla.storage.database import create_engine, current_revision, head_revision, migrate
from habla.storage.store import Store


async def _store(url: str) -> Store:
    await migrate(url)
    return Store(create_engine(url))


async def test_migrations_reach_head_and_are_idempotent(database_url):
    await migrate(database_url)
    await migrate(database_url)
    store = Store(create_engine(database_url))
    try:
        assert await current_revision(store.engine) == head_revision()
    finally:
        await store.aclose()


async def test_learner_is_created_once_and_keeps_its_profile(database_url):
    store = await _store(database_url)
    try:
        first = await store.learner("whatsapp", "+34600000001", Profile(target_language="fr"))
        again = await store.learner("whatsapp", "+34600000001", Profile(target_language="de"))
        other = await store.learner("twilio", "+34600000001", Profile())
        assert first.id == again.id and len(first.id) == 32
        assert again.profile.target_language == "fr"
        assert other.id != first.id
    finally:
        await store.aclose()


async def test_concurrent_first_contact_creates_one_learner(database_url):
    store = await _store(database_url)
    try:
        learners = await asyncio.gather(*[store.learner("console", "ana", Profile()) for _ in range(10)])
        assert len({learner.id for learner in learners}) == 1
    finally:
        await store.aclose()


async def test_inbound_claim_is_true_exactly_once_under_concurrency(database_url):
    store = await _store(database_url)
    try:
        claims = await asyncio.gather(*[store.claim_inbound("whatsapp", "wamid.X") for _ in range(8)])
        assert claims.count(True) == 1
        # a claim names the bus message that made it: the same one may come back (redelivery), no other
        assert await store.claim_inbound("whatsapp", "wamid.Y", "inbound:3:1-0") is True
        assert await store.claim_inbound("whatsapp", "wamid.Y", "inbound:3:1-0") is True
        assert await store.claim_inbound("whatsapp", "wamid.Y", "inbound:3:2-0") is False
    finally:
        await store.aclose()


async def test_turns_are_unique_per_inbound_and_ordered(database_url):
    store = await _store(database_url)
    try:
        learner = await store.learner("console", "ben", Profile())
        for index in range(5):
            await store.save_turn(Turn(uuid.uuid4().hex, learner.id, f"console:m{index}", f"u{index}", f"r{index}", "fast", time.time() + index))
        duplicate = await store.save_turn(Turn(uuid.uuid4().hex, learner.id, "console:m2", "again", "other", "fast", time.time()))
        assert duplicate.reply_text == "r2"
        recent = await store.recent_turns(learner.id, 3)
        assert [turn.user_text for turn in recent] == ["u2", "u3", "u4"]
        assert (await store.turn_for("console:m4")).reply_text == "r4"
        assert await store.turn_for("console:nope") is None
    finally:
        await store.aclose()


async def test_profile_is_a_json_document(database_url):
    store = await _store(database_url)
    try:
        learner = await store.learner("console", "cy", Profile(level="B1", interests=["cooking"], favourite_colour="red"))
        again = await store.learner("console", "cy", Profile())
        assert again.profile.level == "B1" and again.profile.interests == ["cooking"]
        assert again.profile.model_extra == {"favourite_colour": "red"}  # unknown keys survive a round trip
        if "postgresql" in database_url:
            async with store.engine.connect() as connection:
                kind = (await connection.exec_driver_sql(
                    "SELECT data_type FROM information_schema.columns WHERE table_name='learners' AND column_name='profile'"
                )).scalar_one()
            assert kind == "jsonb"
        assert learner.id == again.id
    finally:
        await store.aclose()


async def test_deliveries_and_llm_calls_are_recorded(database_url):
    store = await _store(database_url)
    try:
        await store.record_delivery("out1", 0, "console:a")
        await store.record_delivery("out1", 0, "console:a")
        await store.record_delivery("out1", 2, "console:a")
        assert await store.delivered_chunks("out1") == {0, 2}
        await store.record(CallRecord("fast", "openai", "m", True, 120, 30, 42.5, None, "L1"))
        await store.record(CallRecord("smart", "anthropic", "c", False, 0, 0, 9.0, "timeout", "L1"))
        calls = await store.llm_calls("L1")
        assert [(c.tier, c.ok, c.tokens_in, c.error) for c in calls] == [("fast", True, 120, None), ("smart", False, 0, "timeout")]
    finally:
        await store.aclose()
