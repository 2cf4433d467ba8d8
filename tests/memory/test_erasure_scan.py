"""After "delete my data", a scan of everything the deployment keeps finds nothing that identifies the learner
(issue 9, item 10): every table of the schema (``Base.metadata``, so tables other issues add are covered
without a change here), every Redis key, value and stream entry of the namespace, every file under the
media folder, and on SQLite the raw bytes of the database file and its WAL.

The learner writes on WhatsApp with provider ids shaped like Meta's (a ``wamid`` embeds the sender's
number), the window closes once (a template claim), and their session is announced ended (a
``session.end`` entry keyed by their learner id, on another shard than their messages).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import time
from pathlib import Path

from sqlalchemy import select

from habla.agents.ingress import ingest
from habla.agents.session_watch import announce_idle_sessions
from habla.domain.messages import Inbound
from habla.storage.database import is_sqlite
from habla.storage.models import Base
from habla_testkit.conversation import Conversation
from habla_testkit.backends import llm_settings
from habla_testkit.emulators.graph import GraphEmulator
from tests.memory.test_privacy import _redis_dump as redis_dump
from habla_testkit.memory import MEMORY_AGENTS, eventually

PHONE = "34600999888"  # WhatsApp's wa_id: the number without "+"
OTHER = "34600777666"
TEXTS = ["Hola, me llamo Inés Tarragó", "Mi perro se llama Trufa-Zapatilla", "Vivo en la calle Olmo Quebrado"]


def wamid(number: str, n: int) -> str:
    """A message id as Meta makes them: base64 of a protobuf that starts with the sender's number."""
    raw = b"\x18\x0b" + number.encode() + b"\x15\x02\x00\x12\x18\x14" + f"3EB0{n:016X}".encode()
    return "wamid." + base64.b64encode(raw).decode()


async def until(predicate, timeout: float = 30.0) -> bool:
    """Like GraphEmulator.wait_for, without blocking the loop the agents run in."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.02)
    return True


def _plain(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


async def _tables(store) -> dict[str, str]:
    dump = {}
    async with store.reading() as session:
        for table in Base.metadata.sorted_tables:
            rows = (await session.execute(select(table))).all()
            dump[table.name] = "\n".join(repr(tuple(row)) for row in rows)
    return dump


def _files(settings) -> dict[str, bytes]:
    """Every file under the media folder, and the SQLite database with its WAL, as raw bytes."""
    found = {str(p): p.read_bytes() for p in Path(settings.media_dir).rglob("*") if p.is_file()}
    if is_sqlite(settings.database_url):
        database = Path(settings.database_url.split("///", 1)[1])
        for path in (database, Path(f"{database}-wal")):
            if path.exists():
                found[str(path)] = path.read_bytes()
    return found


async def test_a_full_scan_after_delete_finds_nothing_of_the_learner(make_settings, llm_emulator, tmp_path):
    with GraphEmulator() as graph:
        settings = make_settings(
            llm=llm_settings(llm_emulator), memory={"update_every": 100}, media_dir=str(tmp_path / "media"),
            whatsapp=graph.settings(),
        )
        async with Conversation(settings, [], agents=MEMORY_AGENTS) as chat:
            services = chat.services

            async def say(number: str, text: str, n: int) -> None:
                await ingest(services, Inbound(channel="whatsapp", address=number, message_id=wamid(number, n), text=text))

            graph.fail_next("131047")  # Meta says the window closed: a template goes out (a claim per window)
            await say(PHONE, TEXTS[0], 0)
            await say(OTHER, "Soy otra persona", 100)
            assert await until(lambda: any(b["type"] == "template" for b in graph.sent))
            for n, text in enumerate(TEXTS[1:], start=1):
                await say(PHONE, text, n)
            assert await until(lambda: len(graph.texts(PHONE)) >= 3), graph.texts(PHONE)
            learner = await services.store.learner("whatsapp", PHONE)
            # the watcher announces their session ended: an entry keyed by their id, on its own shard
            assert await announce_idle_sessions(services, now=time.time() + 3600) >= 1
            media = Path(settings.media_dir) / learner.id
            media.mkdir(parents=True)
            (media / "note.ogg").write_bytes(f"OggS {TEXTS[1]}".encode())

            needles = [PHONE, *TEXTS, *(wamid(PHONE, n) for n in range(len(TEXTS))), learner.id,
                       _plain(f"whatsapp:{PHONE}")[:12], _plain(PHONE)[:12]]
            before = "\n".join((await _tables(services.store)).values()) + await redis_dump(settings)
            assert all(needle in before for needle in (PHONE, *TEXTS, learner.id)), "the scan cannot see the learner"

            await say(PHONE, "Borra mis datos", 10)
            assert await until(lambda: any("No se puede deshacer" in t for t in graph.texts(PHONE)))
            await say(PHONE, "Sí", 11)
            assert await until(lambda: any(t.startswith("🗑️ Hecho") for t in graph.texts(PHONE)))

            async def erased():
                return await services.store.learner_by_id(learner.id) is None and not media.exists()

            await eventually(erased, what="the erasure")
            await asyncio.sleep(1.0)  # every agent settles: nothing may bring a trace back

            leftovers = []
            for table, rows in (await _tables(services.store)).items():
                leftovers += [(f"table {table}", n) for n in needles if n in rows]
            keyspace = await redis_dump(settings)
            leftovers += [("redis", n) for n in needles if n in keyspace]
            for path, data in _files(settings).items():
                leftovers += [(path, n) for n in needles if n.encode() in data]
            assert leftovers == []
            assert "Soy otra persona" in "\n".join((await _tables(services.store)).values())  # only them


async def test_erasure_removes_the_media_waiting_for_twilio(make_settings, tmp_path):
    """Voice notes and images for Twilio to fetch are files named by a random token; theirs go at erasure."""
    from habla.agents.privacy import erase_learner
    from habla.channels.twilio.outbox import MediaOutbox
    from habla.services import build_services
    from habla_testkit.emulators.twilio import ACCOUNT_SID, AUTH_TOKEN, FROM, TwilioEmulator

    with TwilioEmulator() as twilio:
        settings = make_settings(
            twilio={"account_sid": ACCOUNT_SID, "auth_token": AUTH_TOKEN, "from": FROM, "api_base": twilio.url},
            public_url="https://habla.example", media_dir=str(tmp_path / "media"),
        )
        services = await build_services(settings)
        try:
            channel = services.channels["twilio"]
            await services.store.learner("twilio", "+34600999888")
            await channel.send_audio("+34600999888", b"OggS theirs", idempotency_key="a" * 32 + ":0")
            await channel.send_image("+34600999888", b"\x89PNG theirs", idempotency_key="a" * 32 + ":1")
            await channel.send_audio("+34600777666", b"OggS someone else's", idempotency_key="b" * 32 + ":0")
            folder = MediaOutbox(settings.media_dir).folder
            tokens = [url.rsplit("/", 1)[1] for url in (sent["MediaUrl"] for sent in twilio.sent)]
            assert all((folder / token).exists() for token in tokens)
            await erase_learner(services, "twilio", "+34600999888")
            assert [(folder / token).exists() for token in tokens] == [False, False, True]
            left = {path.name for path in folder.iterdir()}
            assert not any(name.startswith((tokens[0], tokens[1])) for name in left)  # their .type and .owner too
            assert all(b"34600999888" not in path.read_bytes() for path in folder.iterdir())
        finally:
            await services.aclose()


async def test_claims_are_pruned_after_metas_retry_horizon_by_the_runtime(make_settings):
    """Dedupe claims (message ids, templates) are kept 7 days, Meta's retry horizon, then the runtime drops them."""
    from habla.agents.janitor import CLAIM_HORIZON_S
    from habla.runtime import running
    from habla.storage.models import InboundSeenRow

    settings = make_settings()
    now = time.time()
    async with running(settings, [], periodic=False) as runtime:
        store = runtime.services.store
        await store.claim_inbound("whatsapp", wamid(PHONE, 1), "inbound:1-0")
        await store.claim_inbound("template", "window-of-someone", "outbound-1")
        async with store.writing() as session:  # as if made eight days ago
            for claim in (await session.execute(select(InboundSeenRow))).scalars():
                claim.seen_at = now - CLAIM_HORIZON_S - 24 * 3600
        await store.claim_inbound("whatsapp", wamid(PHONE, 2), "inbound:2-0")  # fresh: kept
    async with running(settings, ["sender"]) as runtime:  # every agent process prunes, from its start
        store = runtime.services.store

        async def pruned():
            async with store.reading() as session:
                return len((await session.execute(select(InboundSeenRow))).scalars().all()) == 1

        await eventually(pruned, what="the prune")
        assert not await store.claim_inbound("whatsapp", wamid(PHONE, 2), "inbound:other")  # still deduped
