"""A scheduler OS process SIGKILLed part-way through the due rows loses nothing and doubles nothing.

200 learners are due; a `habla worker --agents scheduler` process ticks 5 rows at a time (HABLA_PRACTICE__BATCH)
and is killed as soon as the first prompts reach the Graph emulator, long before all 200 are claimed. A second
scheduler process then finishes. A separate `habla worker --agents sender` lives throughout, so what is tested
is the scheduler's crash (publish-then-claim with a deterministic outbound id), not the sender's.
Every learner must get exactly one prompt for the slot."""

from __future__ import annotations

import asyncio
import collections
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

LEARNERS = 200
ADDRESSES = [f"1650555{n:04d}" for n in range(LEARNERS)]


def _prompts_to(graph, language: str) -> list[str]:
    expected = say.text("prompt", language)
    return [b["to"] for b in list(graph.delivered)
            if b["type"] in ("text", "interactive")
            and (b.get("text", {}).get("body") or b.get("interactive", {}).get("body", {}).get("text")) == expected]


async def _claimed(store, ids, now) -> int:
    return sum([(await store.schedule.get(learner_id)).next_due_at > now for learner_id in ids])


async def test_a_scheduler_killed_mid_tick_loses_nothing_and_doubles_nothing(tmp_path, namespace):
    url, name = await create_pg_database(PG_URL)
    processes = []
    store = None
    try:
        await migrate(url)
        store = Store(create_engine(url))
        now = time.time()
        profile = Profile(timezone="Europe/Madrid", reminder_times=["08:00"], native_language="es")
        signature = rules.signature(profile.reminder_times, profile.timezone)
        ids = []
        for address in ADDRESSES:
            learner = await store.learner("whatsapp", address, profile)
            await store.touch_learner(learner.id, now)  # inside the 24-hour window: free text
            await store.schedule.put(learner.id, signature, now - 60, now)  # due, not late enough to skip
            ids.append(learner.id)
        with GraphEmulator() as graph:
            whatsapp = {f"HABLA_WHATSAPP__{key.upper()}": value for key, value in graph.settings().items()}
            env = habla_env(HABLA_DATABASE_URL=url, HABLA_REDIS_URL=REDIS_URL, HABLA_BUS__NAMESPACE=namespace,
                            HABLA_PRACTICE__TICK_S="0.2", HABLA_PRACTICE__BATCH="5", **whatsapp)
            sender = habla("worker", "--agents", "sender", env=env, cwd=tmp_path)
            doomed = habla("worker", "--agents", "scheduler", env=env, cwd=tmp_path)
            processes = [sender, doomed]

            deadline = time.monotonic() + 60
            while not _prompts_to(graph, "es"):
                assert time.monotonic() < deadline, "no prompt ever went out"
                assert doomed.poll() is None, "the scheduler died on its own"
                await asyncio.sleep(0.02)
            doomed.kill()  # SIGKILL: no cleanup, whatever the tick was doing stops there
            doomed.wait()
            claimed_at_kill = await _claimed(store, ids, now)
            assert 0 < claimed_at_kill < LEARNERS, f"the kill was not mid-way ({claimed_at_kill} claimed)"

            survivor = habla("worker", "--agents", "scheduler", env=env, cwd=tmp_path)
            processes.append(survivor)
            deadline = time.monotonic() + 120
            while await _claimed(store, ids, now) < LEARNERS:
                assert time.monotonic() < deadline, "the second scheduler never claimed every slot"
                assert survivor.poll() is None and sender.poll() is None, "a worker died"
                await asyncio.sleep(0.2)
            await wait_until(lambda: len(set(_prompts_to(graph, "es"))) >= LEARNERS, what="every prompt", timeout=120)
            await asyncio.sleep(1.5)  # more ticks and sender rounds: a duplicate would show by now
            counts = collections.Counter(_prompts_to(graph, "es"))
    finally:
        stop(*processes)
        if store is not None:
            await store.aclose()
        await drop_pg_database(PG_URL, name)
    assert sorted(counts) == sorted(ADDRESSES)  # nothing lost
    assert {address: n for address, n in counts.items() if n != 1} == {}  # nothing doubled
