"""The practice scheduler's tick as learners grow (issue 12): its cost must follow the number due, not the
number of learners.

    python -m bench.scheduler [--learners 10000,100000] [--due 500] [--rounds 3] [--bare-runs 30]

For each size, a fresh Postgres database (HABLA_TEST_DATABASE_URL's server) gets that many learners, each
with a ``practice_schedule`` row (bulk multi-row INSERTs); the same ``--due`` of them are due a minute ago,
the rest later today (plus ``WARMUP`` older due ones for an untimed first tick). Then, through ``build_services`` on that database with no Redis (the in-process bus,
so the figure is the scheduler and the database, not a broker), ``habla.practice.scheduler.tick`` is called
until every due slot is claimed: one call handles at most ``scheduler.BATCH`` slots, so ``ticks`` says how
many calls that took and a round is their total. ``--rounds`` rounds run over the same due set (the
claimed slots and the prompts remembered in the profiles are put back between rounds); ``tick_s`` is the
median round.

- ``prompts_per_s``: due prompts handled (read, published, claimed, profile updated) per second.
- ``bare_query_ms``: the baseline from the same run and engine, the claim query alone (``SELECT ... WHERE
  next_due_at <= now ORDER BY next_due_at LIMIT BATCH``, median of ``--bare-runs``), before the tick.
- ``index_scan``: whether Postgres's plan for that query (EXPLAIN, after ANALYZE) uses
  ix_practice_schedule_next_due_at; ``plan`` is its first line.
- ``tick_ratio``: tick_s at the largest size over tick_s at the smallest (~1: the learners not due cost
  nothing).

Prints one JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
import uuid

from habla_testkit.backends import PG_URL, create_pg_database, drop_pg_database

WARMUP = 100  # = scheduler.BATCH: one untimed tick's worth of due slots, the oldest
CHUNK = 5000  # rows per INSERT batch: big enough to be quick, small enough to keep memory flat
CLAIM_QUERY = ("SELECT learner_id, signature, next_due_at, updated_at FROM practice_schedule "
               "WHERE next_due_at <= :now ORDER BY next_due_at LIMIT :limit")


async def fill(engine, learners: int, due: int, now: float) -> list[dict]:
    """``learners`` learners with one reminder a day at 08:00 UTC, inside their 24-hour window (so the
    prompt would be free text); the first ``due`` are due a minute ago, the others within the next 20 h."""
    from sqlalchemy import insert

    from habla.domain import practice_schedule as rules
    from habla.domain.profile import Profile
    from habla.storage.models import LearnerRow, PracticeScheduleRow

    profile = Profile(timezone="UTC", reminder_times=["08:00"], native_language="es").model_dump()
    signature = rules.signature(profile["reminder_times"], profile["timezone"])
    due_slots: list[dict] = []
    for start in range(0, learners, CHUNK):
        ids = [uuid.uuid4().hex for _ in range(start, min(start + CHUNK, learners))]
        people = [{"id": learner_id, "channel": "whatsapp", "address": f"1650{start + i:07d}", "profile": profile,
                   "created_at": now - 86400, "last_inbound_at": now - 3600} for i, learner_id in enumerate(ids)]
        slots = [{"learner_id": learner_id, "signature": signature, "updated_at": now - 86400,
                  # due ones a minute ago (well inside the 2 h missed-slot limit); the rest spread over 20 h
                  "next_due_at": now - 60 - n * 0.001 if n < due else now + 60 + (n * 7919 % 72000)}
                 for n, learner_id in ((start + i, learner_id) for i, learner_id in enumerate(ids))]
        async with engine.begin() as connection:
            await connection.execute(insert(LearnerRow.__table__), people)
            await connection.execute(insert(PracticeScheduleRow.__table__), slots)
        due_slots.extend({"id": row["learner_id"], "slot": row["next_due_at"]} for row in slots if row["next_due_at"] < now)
    async with engine.connect() as connection:  # fresh statistics, as autovacuum would soon give them
        raw = (await connection.get_raw_connection()).driver_connection
        await raw.execute("VACUUM ANALYZE learners")
        await raw.execute("VACUUM ANALYZE practice_schedule")
    return due_slots


async def reset(engine, due_slots: list[dict]) -> None:
    """Put the claimed slots back and forget the prompts sent, so the next round sees the same due set
    (without it the pause after ``pause_after`` unanswered prompts would silence round 4 on)."""
    from sqlalchemy import text

    async with engine.begin() as connection:
        await connection.execute(text("UPDATE practice_schedule SET next_due_at = :slot WHERE learner_id = :id"), due_slots)
        await connection.execute(text("UPDATE learners SET profile = profile - 'practice_prompts' - 'practice_prompt_open' "
                                      "WHERE id = :id"), due_slots)


async def bare_query_ms(engine, now: float, limit: int, runs: int) -> float:
    from sqlalchemy import text

    times = []
    async with engine.connect() as connection:
        for n in range(runs + 3):  # 3 warm-up runs
            started = time.perf_counter()
            rows = (await connection.execute(text(CLAIM_QUERY), {"now": now, "limit": limit})).all()
            if n >= 3:
                times.append((time.perf_counter() - started) * 1000)
            assert len(rows) == limit, f"expected {limit} due rows, read {len(rows)}"
    return round(statistics.median(times), 3)


async def plan(engine, now: float, limit: int) -> list[str]:
    from sqlalchemy import text

    async with engine.connect() as connection:
        return [row[0] for row in await connection.execute(text("EXPLAIN " + CLAIM_QUERY), {"now": now, "limit": limit})]


async def one_size(learners: int, due: int, bare_runs: int, rounds: int) -> dict:
    from sqlalchemy import text

    from habla.config import Settings
    from habla.practice import scheduler
    from habla.services import build_services
    from habla.storage.database import migrate

    url, name = await create_pg_database(PG_URL)
    try:
        await migrate(url)
        settings = Settings(_env_file=None, database_url=url, redis_url=None)
        services = await build_services(settings)
        try:
            now = time.time()
            started = time.perf_counter()
            due_slots = await fill(services.store.engine, learners, due + WARMUP, now)
            fill_s = time.perf_counter() - started
            measured = sorted(due_slots, key=lambda row: row["slot"])[WARMUP:]  # the oldest go to the warm-up
            # the oldest WARMUP slots go to one untimed tick first: the pool's connections, the statement
            # cache and the first-call imports are paid before the clock starts, at every size alike
            assert await scheduler.tick(services, now) == WARMUP, "the warm-up tick claimed too few slots"
            limit = min(scheduler.BATCH, due)
            lines = await plan(services.store.engine, now, limit)
            bare = await bare_query_ms(services.store.engine, now, limit, bare_runs)
            rounds_s, handled_all, ticks = [], [], 0
            for round_number in range(rounds):
                if round_number:
                    await reset(services.store.engine, measured)
                handled = 0
                started = time.perf_counter()
                while handled < due:
                    sent = await scheduler.tick(services, now)
                    ticks += 1
                    if sent == 0:
                        break  # nothing more claimed: shows below as handled < due
                    handled += sent
                rounds_s.append(time.perf_counter() - started)
                handled_all.append(handled)
            async with services.store.engine.connect() as connection:
                left = (await connection.execute(text("SELECT count(*) FROM practice_schedule WHERE next_due_at <= :now"),
                                                 {"now": now})).scalar_one()
        finally:
            await services.aclose()
    finally:
        await drop_pg_database(PG_URL, name)
    return {
        "learners": learners, "due": due, "handled": min(handled_all), "still_due_after": left,
        "ticks_per_round": ticks // rounds, "rounds_s": [round(t, 3) for t in rounds_s],
        "tick_s": round(statistics.median(rounds_s), 3), "prompts_per_s": round(due / statistics.median(rounds_s), 1),
        "bare_query_ms": bare, "bare_query_limit": limit,
        "index_scan": any("Index Scan using ix_practice_schedule_next_due_at" in line for line in lines),
        "plan": next((line.strip(" ->") for line in lines if "Scan" in line), lines[0].strip()), "fill_s": round(fill_s, 1),
    }


async def run(sizes: list[int], due: int, bare_runs: int, rounds: int) -> dict:
    results = [await one_size(size, due, bare_runs, rounds) for size in sizes]
    return {
        "bench": "scheduler", "bus": "in-process (Postgres store, no Redis)", "sizes": results,
        "tick_ratio": round(results[-1]["tick_s"] / results[0]["tick_s"], 2) if len(results) > 1 else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", default="10000,100000", help="comma-separated sizes, smallest first")
    parser.add_argument("--due", type=int, default=500, help="due slots at every size")
    parser.add_argument("--bare-runs", type=int, default=30, help="runs of the bare claim query (median)")
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds over the same due set (median)")
    args = parser.parse_args()
    try:
        sizes = [int(part) for part in args.learners.split(",") if part.strip()]
    except ValueError:
        parser.error("--learners takes comma-separated whole numbers, e.g. 10000,100000")
    if not sizes or min(sizes) < args.due or args.due < 1 or args.rounds < 1:
        parser.error("every --learners size must be at least --due, and --due and --rounds at least 1")
    print(json.dumps(asyncio.run(run(sizes, args.due, args.bare_runs, args.rounds))))


if __name__ == "__main__":
    main()
