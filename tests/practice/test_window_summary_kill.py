"""A scheduler process SIGKILLed between publishing a window summary and claiming it, on Postgres + Redis:
another scheduler finishes, and every learner still gets exactly one summary.

The kill is made to land in that gap, not hoped for: the test holds the learners' rows locked (SELECT ...
FOR UPDATE in its own open transaction), so the first scheduler reads its candidates, publishes the
first learner's summary (a separate sender process delivers it to the Graph emulator: proof it went out),
and then waits on the lock in ``mark_summarised``. It dies there. The second scheduler, with the lock released, finds
the same sessions unclaimed and publishes again under the same uuid5 outbound ids: the one already delivered
is dropped by the sender's delivery rows, the others go out once. An outbound id that differed between the
two processes would give the first learner two summaries."""

from __future__ import annotations

import asyncio
import signal
import time
import uuid

from redis.asyncio import Redis
from sqlalchemy import text

from habla.domain.learner import Profile, Turn
from habla.domain.tutor_turn import Correction
from habla.storage.database import create_engine, migrate
from habla.storage.store import Store
from habla_testkit.backends import PG_URL, REDIS_URL, create_pg_database, drop_pg_database
from habla_testkit.bus import published_and_drained, wait_until
from habla_testkit.emulators.graph import GraphEmulator
from habla_testkit.processes import habla, habla_env, stop

ADDRESSES = ["16505550201", "16505550202", "16505550203"]
TIRED = Correction(original="soy cansado", corrected="estoy cansado", category="ser_estar",
                   explanation="A passing state takes estar.", severity="major")


def _summaries(graph, address: str) -> list[str]:
    return [body for body in graph.texts(address) if body.startswith("📋")]


async def _learners_with_a_session_23_hours_ago(store: Store, now: float) -> list[str]:
    ids = []
    for n, address in enumerate(ADDRESSES):
        learner = await store.learner("whatsapp", address, Profile(native_language="en"))
        last_at = now - 23 * 3600 - 60  # due now, well before the 23 h 45 min limit
        await store.touch_learner(learner.id, last_at)
        await store.save_turn(Turn(id=uuid.uuid4().hex, learner_id=learner.id, inbound_key=f"whatsapp:wamid.K{n}",
                                   user_text="Hoy soy cansado", reply_text="¿Por qué?", created_at=last_at + 5),
                              corrections=[TIRED], language="es")
        ids.append(learner.id)
    return ids


async def _summarised(store: Store, ids: list[str]) -> list[float | None]:
    async with store.engine.connect() as connection:
        rows = await connection.execute(text("SELECT id, summarised_inbound_at FROM learners WHERE id = ANY(:ids)"),
                                        {"ids": ids})
        return [at for _id, at in rows]


async def test_a_scheduler_killed_between_publish_and_claim_sends_each_summary_once(tmp_path, namespace):
    url, name = await create_pg_database(PG_URL)
    processes = []
    store = lock_engine = None
    try:
        await migrate(url)
        store = Store(create_engine(url))
        ids = await _learners_with_a_session_23_hours_ago(store, time.time())
        lock_engine = create_engine(url)
        lock = await lock_engine.connect()
        transaction = await lock.begin()
        await lock.execute(text("SELECT id FROM learners WHERE id = ANY(:ids) FOR UPDATE"), {"ids": ids})
        with GraphEmulator() as graph:
            whatsapp = {f"HABLA_WHATSAPP__{key.upper()}": value for key, value in graph.settings().items()}
            env = habla_env(HABLA_DATABASE_URL=url, HABLA_REDIS_URL=REDIS_URL, HABLA_BUS__NAMESPACE=namespace,
                            HABLA_PRACTICE__TICK_S="0.2", **whatsapp)
            processes.append(habla("worker", "--agents", "sender", env=env, cwd=tmp_path, log=tmp_path / "sender.log"))
            first = habla("worker", "--agents", "scheduler", env=env, cwd=tmp_path, log=tmp_path / "first.log")
            processes.append(first)
            await wait_until(lambda: any(_summaries(graph, address) for address in ADDRESSES),
                             what="the first scheduler's first summary, delivered by the sender", timeout=60)
            # one learner at a time: the first summary went out and its claim waits on the lock, the rest wait
            [delivered] = [n for n, address in enumerate(ADDRESSES) if _summaries(graph, address)]
            assert await _summarised(store, ids) == [None] * len(ids)
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=10)
            await transaction.rollback()
            await lock.close()
            processes.append(habla("worker", "--agents", "scheduler", env=env, cwd=tmp_path))

            async def all_claimed() -> bool:
                return all(at is not None for at in await _summarised(store, ids))

            deadline = time.monotonic() + 60
            while not await all_claimed():
                assert time.monotonic() < deadline, "the second scheduler never claimed the sessions"
                assert all(p.poll() is None for p in processes if p is not first), "a worker died"
                await asyncio.sleep(0.2)
            redis = Redis.from_url(REDIS_URL)
            try:
                while True:  # until the sender has judged the second scheduler's summaries too
                    published, drained = await published_and_drained(redis, namespace, lambda first: first.startswith("📋"))
                    # the killed process's summary published again, and every other learner's once
                    wanted = [2 if n == delivered else 1 for n in range(len(ADDRESSES))]
                    if drained and all(published.count(one) >= times for one, times in zip(ADDRESSES, wanted)):
                        break
                    assert time.monotonic() < deadline + 60, f"the bus never drained: {[published.count(one) for one in ADDRESSES]} published"
                    await asyncio.sleep(0.2)
            finally:
                await redis.aclose()
            counts = {address: len(_summaries(graph, address)) for address in ADDRESSES}
    finally:
        stop(*processes)
        if lock_engine is not None:
            await lock_engine.dispose()
        if store is not None:
            await store.aclose()
        await drop_pg_database(PG_URL, name)
    assert counts == {address: 1 for address in ADDRESSES}
