"""Habla's own cost of a text turn: ingest → bus → conversation agent → bus → sender, minus the LLM call.

The LLM is the loopback emulator answering at once; its recorded call latency is subtracted per turn, so
what is left is Habla's overhead. Embedded default (SQLite + in-process bus) and production (Postgres +
Redis Streams) run side by side in one run. The baseline, from the same run: a bare FastAPI endpoint
(bench/bare_endpoint.py under uvicorn, as `habla serve` runs) loaded by bench/load_client.py; its time per
request (1 / requests per second) is the unit of ``production_p95_in_bare_requests`` (goal: ≤ 250).
Prints one JSON line.

    .venv/bin/python -m bench.turn_overhead [--turns 300] [--learners 10]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

from bench.turns import own_costs, percentile, timed_turn
from habla_testkit.conversation import Conversation
from habla_testkit.backends import llm_settings, production_backends
from habla_testkit.emulators.llm import LLMEmulator


async def measure(settings, turns: int, learners: int, warmup: int) -> dict:
    from habla.storage.database import migrate

    await migrate(settings.database_url)
    addresses = [f"bench-{i}" for i in range(learners)]
    totals: dict[str, list[float]] = {a: [] for a in addresses}
    async with Conversation(settings, addresses) as chat:
        for n in range(turns + warmup):
            address = addresses[n % learners]
            totals[address].append(await timed_turn(chat, address, n))
        overheads, llm = await own_costs(chat, addresses, totals, warmup)
    return {
        "turns": len(overheads),
        "p50_ms": round(percentile(overheads, 0.50), 2),
        "p95_ms": round(percentile(overheads, 0.95), 2),
        "mean_ms": round(statistics.fmean(overheads), 2),
        "llm_call_p50_ms": round(percentile(llm, 0.50), 2),
    }


def bare_baseline(requests: int = 4000, concurrency: int = 8) -> dict:
    """Requests per second of an endpoint that only answers 200, and so the time one bare request costs."""
    import subprocess

    from bench.webhook_ingress import load, wait_port
    from habla_testkit.processes import free_port, stop

    port = free_port()
    server = subprocess.Popen([sys.executable, str(ROOT / "bench" / "bare_endpoint.py"), str(port)])
    try:
        wait_port(port, server)
        load(port, [("{}", {})] * 500, concurrency)  # warm-up
        run = load(port, [("{}", {})] * requests, concurrency)
    finally:
        stop(server)
    return {"requests_per_s": run["events_per_s"], "request_ms": round(1000 / run["events_per_s"], 3),
            "p50_ms": run["p50_ms"]}


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--turns", type=int, default=300)
    parser.add_argument("--learners", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=20)
    args = parser.parse_args()
    from habla.config import Settings

    result: dict = {"benchmark": "turn_overhead", "goal_p95_ms": 25, "goal_p95_in_bare_requests": 250,
                    "cpus": os.cpu_count()}
    result["bare_fastapi"] = await asyncio.to_thread(bare_baseline)
    with LLMEmulator() as emulator, tempfile.TemporaryDirectory() as tmp:
        embedded = Settings(_env_file=None, database_url=f"sqlite+aiosqlite:///{tmp}/bench.db", llm=llm_settings(emulator))
        result["embedded"] = await measure(embedded, args.turns, args.learners, args.warmup)
        async with production_backends() as (url, redis_url, namespace):
            production = Settings(
                _env_file=None, database_url=url, redis_url=redis_url, llm=llm_settings(emulator),
                bus={"namespace": namespace, "block_ms": 200},
            )
            result["production"] = await measure(production, args.turns, args.learners, args.warmup)
    unit = result["bare_fastapi"]["request_ms"]
    for name in ("embedded", "production"):
        result[f"{name}_p95_in_bare_requests"] = round(result[name]["p95_ms"] / unit, 1)
    print(json.dumps(result))


if __name__ == "__main__":
    asyncio.run(main())
