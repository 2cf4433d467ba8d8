"""Forget and export through the real agents, on both deployments."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from sqlalchemy import inspect, text

from habla.domain.messages import hashed
from habla_testkit.conversation import Conversation
from habla_testkit.backends import llm_settings
from habla_testkit.memory import MEMORY_AGENTS, eventually, playing_memory
from tests.memory.test_memory_agent import city_updates

PHONE = "+34600999888"
OTHER = "+34600777666"
SECRET = "Mi perro se llama Trufa"


async def _table_dump(engine) -> dict[str, str]:
    """Every row of every table in the database, as text."""
    async with engine.connect() as connection:
        tables = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
        dump = {}
        for table in tables:
            if engine.dialect.name == "postgresql":
                rows = (await connection.execute(text(f'SELECT CAST(t AS TEXT) FROM "{table}" t'))).scalars().all()
            else:
                rows = [repr(tuple(row)) for row in (await connection.execute(text(f'SELECT * FROM "{table}"'))).all()]
            dump[table] = "\n".join(rows)
    return dump


async def _redis_dump(settings) -> str:
    """Every key, field, value and stream entry under the deployment's namespace."""
    if not settings.redis_url:
        return ""
    import redis.asyncio as redis

    client = redis.from_url(settings.redis_url, decode_responses=True)
    parts = []
    try:
        async for key in client.scan_iter(f"{settings.bus.namespace}*"):
            kind = await client.type(key)
            parts.append(key)
            if kind == "string":
                parts.append(str(await client.get(key)))
            elif kind == "hash":
                parts.append(json.dumps(await client.hgetall(key), ensure_ascii=False))
            elif kind == "list":
                parts.extend(await client.lrange(key, 0, -1))
            elif kind == "zset":
                parts.extend(await client.zrange(key, 0, -1))
            elif kind == "set":
                parts.extend(await client.smembers(key))
            elif kind == "stream":
                parts.extend(json.dumps(fields, ensure_ascii=False) for _, fields in await client.xrange(key))
    finally:
        await client.aclose()
    return "\n".join(parts)


def _updates(transcript: str) -> str:
    return city_updates(transcript) if "Madrid" in transcript else "{}"  # the other learner: nothing to note


async def test_delete_my_data_leaves_no_trace(make_settings, llm_emulator, tmp_path):
    llm_emulator.reply_fn = playing_memory(_updates)
    settings = make_settings(llm=llm_settings(llm_emulator), memory={"update_every": 2}, media_dir=str(tmp_path / "media"))
    async with Conversation(settings, [PHONE, OTHER], agents=MEMORY_AGENTS) as chat:
        for n, line in enumerate(["Hola, vivo en Madrid", SECRET, "Me gusta cocinar"]):
            await chat.say(PHONE, line, f"p{n}")
            await chat.say(OTHER, f"Soy otra persona, frase {n}", f"o{n}")
        await chat.wait_replies(PHONE, 3)
        learner = await chat.services.store.learner("console", PHONE)
        other = await chat.services.store.learner("console", OTHER)

        async def remembered():
            return await chat.services.store.count_memories(learner.id) > 0

        await eventually(remembered, what="memories to forget")
        media = Path(settings.media_dir) / learner.id
        media.mkdir(parents=True)
        (media / "note.ogg").write_bytes(b"OggS fake voice note")
        needles = [learner.id, PHONE, f"console:{PHONE}", SECRET, "vivo en Madrid", "lives in Madrid"]
        before = "\n".join((await _table_dump(chat.services.store.engine)).values())
        assert all(needle in before for needle in needles[:4])  # the scan does see the learner while they exist
        if settings.redis_url:  # stream entries (inbound, outbound, turn.done) and the session hold them too
            keyspace = await _redis_dump(settings)
            assert PHONE in keyspace and SECRET in keyspace and learner.id in keyspace

        await chat.say(PHONE, "Borra mis datos", "p-forget")
        replies = await chat.wait_replies(PHONE, 4)
        assert "sí" in replies[-1][1][0] and "No se puede deshacer" in replies[-1][1][0]
        await chat.say(PHONE, "Sí", "p-yes")
        replies = await chat.wait_replies(PHONE, 5)
        assert replies[-1][1][0].startswith("🗑️ Hecho")

        async def gone():
            return await chat.services.store.learner_by_id(learner.id) is None and not media.exists()

        await eventually(gone, what="the erasure")
        await asyncio.sleep(0.5)  # let every agent settle: nothing may bring a trace back
        tables = await _table_dump(chat.services.store.engine)
        for table, rows in tables.items():
            for needle in needles:
                assert needle not in rows, f"{needle!r} still in table {table}"
        keyspace = await _redis_dump(settings)
        for needle in needles:
            assert needle not in keyspace, f"{needle!r} still in Redis"
        assert not media.exists()
        assert (await chat.services.memory.sessions.load(learner.id)).messages == []
        assert await chat.services.store.learner_by_id(other.id) is not None  # only them
        assert "Soy otra persona" in "\n".join(tables.values())

        await chat.say(PHONE, "Hola de nuevo", "p-again")  # writing again starts from zero
        await chat.wait_replies(PHONE, 6)
        again = await chat.services.store.learner("console", PHONE)
        assert again.id != learner.id and again.profile.facts == []


async def test_anything_but_yes_cancels_the_deletion(make_settings, llm_emulator):
    settings = make_settings(llm=llm_settings(llm_emulator))
    async with Conversation(settings, [PHONE], agents=MEMORY_AGENTS) as chat:
        await chat.say(PHONE, "Hola", "c1")
        await chat.say(PHONE, "delete my data", "c2")
        await chat.say(PHONE, "no, wait", "c3")
        replies = await chat.wait_replies(PHONE, 3)
        assert "Reply *yes*" in replies[1][1][0] and replies[2][1][0].startswith("👍 OK, nothing was deleted")
        await chat.say(PHONE, "yes", "c4")  # too late: an ordinary message now
        replies = await chat.wait_replies(PHONE, 4)
        assert "Has dicho: «yes»" in replies[3][1][0]
        assert await chat.services.store.turn_for("console:c1") is not None


async def test_export_my_data_sends_a_json_document(make_settings, llm_emulator):
    settings = make_settings(llm=llm_settings(llm_emulator), channels={"text_chunk_chars": 300})
    async with Conversation(settings, [PHONE], agents=MEMORY_AGENTS) as chat:
        await chat.say(PHONE, SECRET, "e1")
        await chat.say(PHONE, "Export my data", "e2")
        replies = await chat.wait_replies(PHONE, 2)
        intro, *parts = replies[1][1]
        assert intro.startswith("📦 Here is everything") and f"{len(parts)} message(s)" in intro
        assert len(parts) > 1 and all(len(part) <= 300 for part in parts)
        document = json.loads("".join(parts))
        assert document["learner"]["address"] == PHONE
        assert [turn["user_text"] for turn in document["turns"]] == [SECRET]  # the export itself is not a turn
        assert document["llm_calls"] and document["session"]["messages"][0]["text"] == SECRET
        assert hashed(PHONE) not in json.dumps(document)  # nothing derived leaks in, only their own data
        assert await chat.services.store.turn_for("console:e2") is None
