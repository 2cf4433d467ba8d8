"""A scheduler process SIGKILLed between publishing a practice prompt and claiming its slot, on Postgres +
Redis: a second scheduler finishes, and every learner gets exactly one prompt for the slot.

The kill is made to land in that gap, not hoped for: the test holds the learners' practice_schedule rows
locked (SELECT ... FOR UPDATE in its own open transaction). The first scheduler's due() read takes no lock,
so it publishes the first learner's prompt (a separate sender process delivers it to the Graph emulator:
proof it went out) and then waits on the lock in ``advance``, the claim; Postgres shows that wait. It dies
there, its claim never committed. The second scheduler, with the lock released, finds every slot still due
and publishes again under the same uuid5 outbound ids: the one already delivered is dropped by the sender's
delivery rows, the others go out once. An outbound id that differed between the two processes would give the
first learner two prompts."""

from __future__ import annotations

import asyncio
import time

from redis.asyncio import Redis
from sqlalchemy import text

from habla.domain import practice_prompt_text as say
from habla.domain import practice_schedule as rules
from habla.domain.learner import Profile
from habla.practice.scheduler import OPEN_KEY, PROMPTS_KEY
from habla.storage.database import create_engine, migrate
from habla.storage.store import Store
from habla_testkit.backends import PG_URL, REDIS_URL, create_pg_database, drop_pg_database
from habla_testkit.bus import published_and_drained, wait_until
from habla_testkit.emulators.graph import GraphEmulator
from habla_testkit.processes import habla, habla_env, stop

ADDRESSES = ["16505550301", "16505550302", "16505550303", "16505550304"]
PROMPT = say.text("prompt", "es")


def _prompts(graph, address: str) -> int:
    """Prompt bodies the Graph emulator received for ``address`` (free text with Start / Later / Stop)."""
    return sum(1 for b in graph.delivered
               if b["to"] == address and b["type"] in ("text", "interactive")
               and (b.get("text", {}).get("body") or b.get("interactive", {}).get("body", {}).get("text")) == PROMPT)


async def _learners_due_a_minute_ago(store: Store, now: float) -> tuple[list[str], list[float]]:
    profile = Profile(timezone="Europe/Madrid", reminder_times=["08:00"], native_language="es")
    ids, slots = [], []
    for n, address in enumerate(ADDRESSES):
        learner = await store.learner("whatsapp", address, profile)
        await store.touch_learner(learner.id, now)  # inside the 24-hour window: the prompt goes as free text
        slot = now - 60 - n  # due at the first tick, and not late enough to be skipped
        await store.schedule.put(learner.id, rules.signature(profile.reminder_times, profile.timezone), slot, now)
        ids.append(learner.id)
        slots.append(slot)
    return ids, slots


async def _claim_waiting_on_the_lock(store: Store, database: str) -> bool:
    """A backend of this database waits for a row lock in the claim's UPDATE (a fresh connection each call:
    pg_stat_activity is a snapshot per transaction)."""
    async with store.engine.connect() as connection:
        waiting = await connection.scalar(text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = :database AND wait_event_type = 'Lock'"
            " AND query LIKE 'UPDATE practice_schedule%'"), {"database": database})
    return waiting == 1


async def test_a_scheduler_killed_between_publish_and_claim_sends_each_prompt_once(tmp_path, namespace):
    url, name = await create_pg_database(PG_URL)
    processes = []
    store = lock_engine = None
    try:
        await migrate(url)
        store = Store(create_engine(url))
        ids, slots = await _learners_due_a_minute_ago(store, time.time())
        lock_engine = create_engine(url)
        lock = await lock_engine.connect()
        transaction = await lock.begin()
        await lock.execute(text("SELECT learner_id FROM practice_schedule WHERE learner_id = ANY(:ids) FOR UPDATE"),
                           {"ids": ids})
        with GraphEmulator() as graph:
            whatsapp = {f"HABLA_WHATSAPP__{key.upper()}": value for key, value in graph.settings().items()}
            env = habla_env(HABLA_DATABASE_URL=url, HABLA_REDIS_URL=REDIS_URL, HABLA_BUS__NAMESPACE=namespace,
                            HABLA_PRACTICE__TICK_S="0.2", **whatsapp)
            sender = habla("worker", "--agents", "sender", env=env, cwd=tmp_path, log=tmp_path / "sender.log")
            processes.append(sender)
            # `habla worker` is one process (no children), so killing its pid kills the whole scheduler
            first = habla("worker", "--agents", "scheduler", env=env, cwd=tmp_path, log=tmp_path / "first.log")
            processes.append(first)
            await wait_until(lambda: any(_prompts(graph, address) for address in ADDRESSES),
                             what="the first scheduler's first prompt, delivered by the sender", timeout=60)
            await wait_until(lambda: _claim_waiting_on_the_lock(store, name),
                             what="the first scheduler's claim, waiting on the lock", timeout=60)
            # one learner at a time: the first prompt went out and its claim waits on the lock, the rest wait
            [delivered] = [n for n, address in enumerate(ADDRESSES) if _prompts(graph, address)]
            assert [(await store.schedule.get(one)).next_due_at for one in ids] == slots  # nothing claimed
            first.kill()
            first.wait(timeout=10)
            await transaction.rollback()
            await lock.close()
            processes.append(habla("worker", "--agents", "scheduler", env=env, cwd=tmp_path, log=tmp_path / "second.log"))

            async def all_claimed() -> bool:
                entries = [await store.schedule.get(one) for one in ids]
                return all(entry.next_due_at > slot for entry, slot in zip(entries, slots))

            deadline = time.monotonic() + 60
            while not await all_claimed():
                assert time.monotonic() < deadline, "the second scheduler never claimed the slots"
                assert all(p.poll() is None for p in processes if p is not first), "a worker died"
                await asyncio.sleep(0.2)
            redis = Redis.from_url(REDIS_URL)
            try:
                while True:  # until the sender has judged the second scheduler's prompts too
                    published, drained = await published_and_drained(redis, namespace, lambda chunk: chunk == PROMPT)
                    # the killed process's prompt published again, and every other learner's once
                    wanted = [2 if n == delivered else 1 for n in range(len(ADDRESSES))]
                    if drained and all(published.count(one) >= times for one, times in zip(ADDRESSES, wanted)):
                        break
                    assert time.monotonic() < deadline + 60, f"the bus never drained: {[published.count(one) for one in ADDRESSES]} published"
                    await asyncio.sleep(0.2)
            finally:
                await redis.aclose()
            await asyncio.sleep(1.0)  # five more ticks of the second scheduler: nothing is due, nothing more goes
            counts = {address: _prompts(graph, address) for address in ADDRESSES}
            learners = [await store.learner_by_id(one) for one in ids]
    finally:
        stop(*processes)
        if lock_engine is not None:
            await lock_engine.dispose()
        if store is not None:
            await store.aclose()
        await drop_pg_database(PG_URL, name)
    assert counts == {address: 1 for address in ADDRESSES}
    # the claimer's bookkeeping, once: the slot's prompt counted for the pause and open for Start / Later / Stop
    for learner, slot in zip(learners, slots):
        extra = learner.profile.model_extra or {}
        assert [p["slot"] for p in extra[PROMPTS_KEY]] == [slot]
        assert extra[OPEN_KEY] == slot
