"""Two real `habla worker --agents scheduler,sender` OS processes on Postgres + Redis, ticking every 0.2 s
over the same due slots: each learner gets exactly one prompt for the slot (the compare-and-set claim and
the deterministic outbound id, across processes)."""

from __future__ import annotations

import asyncio
import time

from habla.domain import practice_prompt_text as say
from habla.domain import practice_schedule as rules
from habla.domain.learner import Profile
from habla.storage.database import create_engine, migrate
from habla.storage.store import Store
from habla_testkit.backends import PG_URL, REDIS_URL, create_pg_database, drop_pg_database
from habla_testkit.bus import wait_until
from habla_testkit.emulators.graph import GraphEmulator
from habla_testkit.processes import habla, habla_env, stop

ADDRESSES = ["16505550101", "16505550102", "16505550103"]


async def test_two_scheduler_processes_send_one_prompt_per_learner_per_slot(tmp_path, namespace):
    url, name = await create_pg_database(PG_URL)
    processes = []
    store = None
    try:
        await migrate(url)
        store = Store(create_engine(url))
        now = time.time()
        profile = Profile(timezone="Europe/Madrid", reminder_times=["08:00"], native_language="es")
        ids = []
        for address in ADDRESSES:
            learner = await store.learner("whatsapp", address, profile)
            await store.touch_learner(learner.id, now)  # inside the 24-hour window: free text
            # a slot a minute ago: due at the processes' first tick, and not late enough to skip
            await store.schedule.put(learner.id, rules.signature(profile.reminder_times, profile.timezone), now - 60, now)
            ids.append(learner.id)
        with GraphEmulator() as graph:
            whatsapp = {f"HABLA_WHATSAPP__{key.upper()}": value for key, value in graph.settings().items()}
            env = habla_env(HABLA_DATABASE_URL=url, HABLA_REDIS_URL=REDIS_URL, HABLA_BUS__NAMESPACE=namespace,
                            HABLA_PRACTICE__TICK_S="0.2", **whatsapp)
            processes = [habla("worker", "--agents", "scheduler,sender", env=env, cwd=tmp_path) for _ in range(2)]

            async def all_claimed() -> bool:
                entries = [await store.schedule.get(learner_id) for learner_id in ids]
                return all(entry.next_due_at > now for entry in entries)

            deadline = time.monotonic() + 60
            while not await all_claimed():
                assert time.monotonic() < deadline, "the slots were never claimed"
                assert all(p.poll() is None for p in processes), "a worker died"
                await asyncio.sleep(0.2)
            await wait_until(lambda: len(graph.texts()) >= len(ADDRESSES), what="the prompts", timeout=60)
            await asyncio.sleep(1.5)  # several more ticks of both processes: a duplicate would show by now
            prompts = [b["to"] for b in graph.delivered
                       if b["type"] in ("text", "interactive")
                       and (b.get("text", {}).get("body") or b.get("interactive", {}).get("body", {}).get("text")) == say.text("prompt", "es")]
    finally:
        stop(*processes)
        if store is not None:
            await store.aclose()
        await drop_pg_database(PG_URL, name)
    assert sorted(prompts) == sorted(ADDRESSES)
