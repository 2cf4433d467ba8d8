"""The window summary's round as learners grow (issue 12, item 4): its cost must follow the number of
sessions due, not the number of learners.

    python -m bench.window_summary [--learners 10000,100000] [--due 500] [--rounds 3] [--bare-runs 30]

For each size, a fresh Postgres database (HABLA_TEST_DATABASE_URL's server) gets that many learners (bulk
multi-row INSERTs), each with one or two corrections from their last session and a practice schedule row
(a reminder at 08:00 UTC, so the summary's closing line reads a real next slot). Their last messages are
spread over the last 3 days: exactly ``--due`` of them (plus ``WARMUP`` older ones for an untimed first
call) fall inside the due range (``domain.window_summary.due_range``: 23 h to 23 h 45 min ago), every other
one outside it. Then, through ``build_services`` on that database with no Redis (the in-process bus, so the
figure is the summary and the database, not a broker), ``habla.practice.window_summary.summarise_windows``
is called until every due session is summarised: one call handles at most ``window_summary.BATCH``
sessions, so ``calls_per_round`` says how many calls that took and a round is their total. ``--rounds``
rounds run over the same due set (``summarised_inbound_at`` is put back to NULL for it between rounds);
``round_s`` is the median round.

Nothing consumes the outbound topic here. The in-process bus does not block a publisher: with no group
subscribed, a message waits in the topic's backlog, a bounded deque per shard (``bus.stream_maxlen``, which
drops the oldest when full, as Redis's MAXLEN does). A run publishes WARMUP + due x rounds summaries, far
under that bound, so every publish is an append and nothing is dropped; ``backlog`` reports the count.

- ``summaries_per_s``: due sessions handled (read, learner and corrections and words and schedule read,
  composed, published, claimed) per second.
- ``bare_query_ms``: the baseline from the same run and engine, the candidate query alone (the SELECT
  ``store.unsummarised_sessions`` issues, as text SQL, LIMIT BATCH; median of ``--bare-runs``), before
  the timed rounds.
- ``index_scan``: whether Postgres's plan for that query (EXPLAIN, after ANALYZE) reads
  ix_learners_last_inbound_at (an Index Scan or a Bitmap Index Scan); ``plan`` is its scan line.
- ``round_ratio``: round_s at the largest size over round_s at the smallest (~1: the learners outside the
  range cost nothing).

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

WARMUP = 200  # = window_summary.BATCH: one untimed call's worth of due sessions, the oldest
CHUNK = 5000  # learners per INSERT batch: big enough to be quick, small enough to keep memory flat
THREE_DAYS_S = 3 * 86400
MARGIN_S = 300  # the learners not due stay this far from either end of the due range
CANDIDATE_QUERY = ("SELECT id, last_inbound_at FROM learners "
                   "WHERE last_inbound_at <= :ended_before AND last_inbound_at > :ended_after "
                   "AND (summarised_inbound_at IS NULL OR summarised_inbound_at < last_inbound_at) "
                   "ORDER BY last_inbound_at LIMIT :limit")
MISTAKES = [("yo soy cansado", "yo estoy cansado"), ("la problema", "el problema"), ("como estás", "cómo estás")]


def last_message_ages(learners: int, due: int) -> list[float]:
    """Seconds since each learner's last message: the first ``due`` spread inside the due range (the
    oldest first), the rest scattered over 3 days with the due range and MARGIN_S either side left out."""
    from habla.domain.window_summary import SEND_AFTER_S, SEND_UNTIL_S

    inside = SEND_UNTIL_S - SEND_AFTER_S - 120  # a minute clear of each edge: a float at an edge is no test
    ages = [SEND_UNTIL_S - 60 - inside * n / max(due - 1, 1) for n in range(due)]
    gap_from, gap = SEND_AFTER_S - MARGIN_S, SEND_UNTIL_S - SEND_AFTER_S + 2 * MARGIN_S
    for n in range(due, learners):
        age = 30 + (n * 7919 % (THREE_DAYS_S - int(gap) - 30))  # a fixed scatter, the same every run
        ages.append(age + gap if age >= gap_from else age)
    return ages


async def fill(engine, learners: int, due: int, now: float) -> list[dict]:
    """The learners, their corrections and their schedules; returns the due ones ({id, at}), oldest first."""
    from sqlalchemy import insert

    from habla.domain import practice_schedule as schedule_rules
    from habla.domain.profile import Profile
    from habla.storage.models import CorrectionRow, LearnerRow, PracticeScheduleRow

    profile = Profile(timezone="UTC", reminder_times=["08:00"], native_language="en").model_dump()
    signature = schedule_rules.signature(profile["reminder_times"], profile["timezone"])
    next_slot = schedule_rules.next_slot(profile["reminder_times"], profile["timezone"], now)
    ages = last_message_ages(learners, due)
    due_sessions: list[dict] = []
    for start in range(0, learners, CHUNK):
        batch = [(n, uuid.uuid4().hex, now - ages[n]) for n in range(start, min(start + CHUNK, learners))]
        people = [{"id": learner_id, "channel": "whatsapp", "address": f"1650{n:07d}", "profile": profile,
                   "created_at": now - 30 * 86400, "last_inbound_at": at} for n, learner_id, at in batch]
        corrections = [{"id": uuid.uuid4().hex, "learner_id": learner_id, "turn_id": uuid.uuid4().hex,
                        "position": k, "category": "grammar", "original": MISTAKES[(n + k) % 3][0],
                        "corrected": MISTAKES[(n + k) % 3][1], "explanation": "", "severity": "major",
                        "created_at": at - 60 * (k + 1)}  # in the session: the minutes before its last message
                       for n, learner_id, at in batch for k in range(1 + n % 2)]
        slots = [{"learner_id": learner_id, "signature": signature, "updated_at": now - 86400,
                  "next_due_at": next_slot}
                 for _, learner_id, _ in batch]
        async with engine.begin() as connection:
            await connection.execute(insert(LearnerRow.__table__), people)
            await connection.execute(insert(CorrectionRow.__table__), corrections)
            await connection.execute(insert(PracticeScheduleRow.__table__), slots)
        due_sessions.extend({"id": learner_id, "at": at} for n, learner_id, at in batch if n < due)
    async with engine.connect() as connection:  # fresh statistics, as autovacuum would soon give them
        raw = (await connection.get_raw_connection()).driver_connection
        for table in ("learners", "corrections", "practice_schedule"):
            await raw.execute(f"VACUUM ANALYZE {table}")
    return sorted(due_sessions, key=lambda row: row["at"])


async def reset(engine, measured: list[dict]) -> None:
    """Forget that the measured sessions were summarised, so the next round sees the same due set."""
    from sqlalchemy import text

    async with engine.begin() as connection:
        await connection.execute(text("UPDATE learners SET summarised_inbound_at = NULL WHERE id = :id"), measured)


async def bare_query_ms(engine, now: float, limit: int, runs: int) -> float:
    from sqlalchemy import text

    from habla.domain.window_summary import due_range

    ended_after, ended_before = due_range(now)
    arguments = {"ended_before": ended_before, "ended_after": ended_after, "limit": limit}
    times = []
    async with engine.connect() as connection:
        for n in range(runs + 3):  # 3 warm-up runs
            started = time.perf_counter()
            rows = (await connection.execute(text(CANDIDATE_QUERY), arguments)).all()
            if n >= 3:
                times.append((time.perf_counter() - started) * 1000)
            assert len(rows) == limit, f"expected {limit} candidate sessions, read {len(rows)}"
    return round(statistics.median(times), 3)


async def plan(engine, now: float, limit: int) -> list[str]:
    from sqlalchemy import text

    from habla.domain.window_summary import due_range

    ended_after, ended_before = due_range(now)
    async with engine.connect() as connection:
        return [row[0] for row in await connection.execute(
            text("EXPLAIN " + CANDIDATE_QUERY), {"ended_before": ended_before, "ended_after": ended_after, "limit": limit})]


def outbound_backlog(services) -> int:
    """Summaries waiting on the outbound topic: the in-process bus keeps no count, so read its backlog."""
    topic = services.bus._topics.get("outbound.whatsapp")  # a bench's look inside; no public counter exists
    return sum(len(queue.snapshot()) for queue in topic.backlog) if topic is not None and topic.backlog else 0


async def one_size(learners: int, due: int, bare_runs: int, rounds: int) -> dict:
    from sqlalchemy import text

    from habla.config import Settings
    from habla.domain.window_summary import due_range
    from habla.practice import window_summary
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
            due_sessions = await fill(services.store.engine, learners, due + WARMUP, now)
            fill_s = time.perf_counter() - started
            measured = due_sessions[WARMUP:]  # the oldest go to the warm-up, as the candidates are read oldest first
            # one untimed call first: the pool's connections, the statement cache and the first-call imports
            # are paid before the clock starts, at every size alike
            assert await window_summary.summarise_windows(services, now) == WARMUP, "the warm-up call summarised too few"
            limit = min(window_summary.BATCH, due)
            lines = await plan(services.store.engine, now, limit)
            bare = await bare_query_ms(services.store.engine, now, limit, bare_runs)
            rounds_s, handled_all, calls = [], [], 0
            for round_number in range(rounds):
                if round_number:
                    await reset(services.store.engine, measured)
                handled = 0
                started = time.perf_counter()
                while handled < due:
                    sent = await window_summary.summarise_windows(services, now)
                    calls += 1
                    if sent == 0:
                        break  # nothing more summarised: shows below as handled < due
                    handled += sent
                rounds_s.append(time.perf_counter() - started)
                handled_all.append(handled)
            ended_after, ended_before = due_range(now)
            async with services.store.engine.connect() as connection:
                left = (await connection.execute(text(
                    "SELECT count(*) FROM learners WHERE last_inbound_at <= :before AND last_inbound_at > :after "
                    "AND summarised_inbound_at IS NULL"), {"before": ended_before, "after": ended_after})).scalar_one()
            backlog = outbound_backlog(services)
        finally:
            await services.aclose()
    finally:
        await drop_pg_database(PG_URL, name)
    return {
        "learners": learners, "due": due, "handled": min(handled_all), "still_due_after": left,
        "calls_per_round": calls // rounds, "rounds_s": [round(t, 3) for t in rounds_s],
        "round_s": round(statistics.median(rounds_s), 3),
        "summaries_per_s": round(due / statistics.median(rounds_s), 1),
        "bare_query_ms": bare, "bare_query_limit": limit,
        "index_scan": any("ix_learners_last_inbound_at" in line and "Index Scan" in line for line in lines),
        "plan": next((line.strip(" ->") for line in lines if "Scan" in line), lines[0].strip()),
        "backlog": backlog, "fill_s": round(fill_s, 1),
    }


async def run(sizes: list[int], due: int, bare_runs: int, rounds: int) -> dict:
    results = [await one_size(size, due, bare_runs, rounds) for size in sizes]
    return {
        "bench": "window_summary", "bus": "in-process (Postgres store, no Redis, nothing consuming)", "sizes": results,
        "round_ratio": round(results[-1]["round_s"] / results[0]["round_s"], 2) if len(results) > 1 else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", default="10000,100000", help="comma-separated sizes, smallest first")
    parser.add_argument("--due", type=int, default=500, help="due sessions at every size")
    parser.add_argument("--bare-runs", type=int, default=30, help="runs of the bare candidate query (median)")
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds over the same due set (median)")
    args = parser.parse_args()
    try:
        sizes = [int(part) for part in args.learners.split(",") if part.strip()]
    except ValueError:
        parser.error("--learners takes comma-separated whole numbers, e.g. 10000,100000")
    if not sizes or min(sizes) < args.due + WARMUP or args.due < 1 or args.rounds < 1:
        parser.error(f"every --learners size must be at least --due + {WARMUP}, and --due and --rounds at least 1")
    print(json.dumps(asyncio.run(run(sizes, args.due, args.bare_runs, args.rounds))))


if __name__ == "__main__":
    main()
