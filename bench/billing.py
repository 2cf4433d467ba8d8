"""What fair use costs a turn: the same text turn with billing off and on (free quota, flood budget,
blocklist, plan read, atomic charge), embedded (SQLite + in-process bus) and production (Postgres + Redis
Streams), in one run; and the gate's own time per call, measured around ``agents.fair_use.screen_text``.

Turn overhead as bench/turn_overhead.py measures it (ingest → bus → agent → bus → sender, minus the LLM
call), with the two deployments side by side *and interleaved turn by turn* (billing off, billing on, off,
on…: two sets of agents on one database, each on its own bus), so load from other processes on the machine
falls on both alike. With billing on every message is within the quota (a large free allowance and flood
burst), so each turn pays the whole check: blocklist, token bucket, plan read (the Redis copy in
production), the usage charge. Prints one JSON line.

    .venv/bin/python -m bench.billing [--turns 300] [--learners 10] [--gate-calls 500]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import tempfile
import time
import uuid

from bench.turns import own_costs, percentile, timed_turn
from habla_testkit.conversation import Conversation
from habla_testkit.backends import llm_settings, production_backends
from habla_testkit.emulators.llm import LLMEmulator

BILLING_ON = {
    "stripe": {"payment_link": "https://buy.stripe.com/bench", "webhook_secret": "whsec_bench"},
    "billing": {"free_messages": 10**9},
    "rate_limit": {"burst": 10**9, "per_second": 1.0},  # on, so its cost is counted, but never throttling
}


async def gate_cost(settings, calls: int, warmup: int = 50) -> dict:
    """The gate alone: the same learner, a new message each call, all within the quota."""
    from habla.agents.fair_use import screen_text
    from habla.domain.messages import Inbound
    from habla.memory.session import SessionState
    from habla.services import build_services

    services = await build_services(settings)
    try:
        learner = await services.store.learner("console", "bench-gate")
        session = SessionState()
        samples = []
        for n in range(calls + warmup):
            inbound = Inbound(channel="console", address="bench-gate", message_id=uuid.uuid4().hex, text="Hola")
            started = time.perf_counter()
            handled = await screen_text(services, inbound, learner, session)
            if n >= warmup:
                samples.append((time.perf_counter() - started) * 1000)
            assert not handled
    finally:
        await services.aclose()
    return {"calls": len(samples), "p50_ms": round(percentile(samples, 0.5), 3), "p95_ms": round(percentile(samples, 0.95), 3)}


def _summary(overheads: list[float]) -> dict:
    return {"turns": len(overheads), "p50_ms": round(percentile(overheads, 0.5), 2), "p95_ms": round(percentile(overheads, 0.95), 2)}


async def interleaved(off, on, turns: int, learners: int, warmup: int) -> dict:
    """Turn n goes to billing off then on (on then off for odd n); each turn's LLM latency is subtracted."""
    from habla.storage.database import migrate

    await migrate(off.database_url)
    addresses = {"off": [f"off-{i}" for i in range(learners)], "on": [f"on-{i}" for i in range(learners)]}
    totals: dict[str, list[float]] = {a: [] for group in addresses.values() for a in group}
    async with Conversation(off, addresses["off"]) as chat_off, Conversation(on, addresses["on"]) as chat_on:
        chats = {"off": chat_off, "on": chat_on}
        for n in range(turns + warmup):
            for mode in (("off", "on") if n % 2 == 0 else ("on", "off")):
                chat, address = chats[mode], addresses[mode][n % learners]
                totals[address].append(await timed_turn(chat, address, n))
        result = {}
        for mode, chat in chats.items():
            overheads, _llm = await own_costs(chat, addresses[mode], totals, warmup)
            result[f"billing_{mode}"] = _summary(overheads)
    return result


async def deployment(make, args) -> dict:
    off, on = make("off"), make("on", **BILLING_ON)
    result = await interleaved(off, on, args.turns, args.learners, args.warmup)
    result["added_p50_ms"] = round(result["billing_on"]["p50_ms"] - result["billing_off"]["p50_ms"], 2)
    result["added_p95_ms"] = round(result["billing_on"]["p95_ms"] - result["billing_off"]["p95_ms"], 2)
    result["gate_off"] = await gate_cost(off, args.gate_calls)
    result["gate_on"] = await gate_cost(on, args.gate_calls)
    return result


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--turns", type=int, default=300)
    parser.add_argument("--learners", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--gate-calls", type=int, default=500)
    args = parser.parse_args()
    from habla.config import Settings

    result: dict = {"benchmark": "billing", "cpus": os.cpu_count()}
    with LLMEmulator() as emulator, tempfile.TemporaryDirectory() as tmp:
        database = f"sqlite+aiosqlite:///{tmp}/bench.db"
        result["embedded"] = await deployment(
            lambda _mode, **extra: Settings(_env_file=None, database_url=database, llm=llm_settings(emulator), **extra), args
        )
        async with production_backends() as (url, redis_url, namespace):
            result["production"] = await deployment(
                lambda mode, **extra: Settings(
                    _env_file=None, database_url=url, redis_url=redis_url, llm=llm_settings(emulator),
                    bus={"namespace": f"{namespace}-{mode}", "block_ms": 200}, **extra,
                ),
                args,
            )
    print(json.dumps(result))


if __name__ == "__main__":
    asyncio.run(main())
