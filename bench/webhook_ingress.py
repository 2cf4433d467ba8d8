"""Webhook ingress under load: `habla serve` vs a bare FastAPI endpoint that only returns 200, same run.

Traffic is what Meta sends: 80 % status events, 20 % messages (each with a new id), all validly signed
with the app secret. The load comes from a separate process (bench/load_client.py) over keep-alive
connections. `habla serve` runs as an API process (`--agents none`, as in production where workers answer),
on the embedded default (SQLite + in-process bus) and on Postgres + Redis Streams. Prints one JSON line.

    .venv/bin/python -m bench.webhook_ingress [--events 4000] [--concurrency 8] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import hashlib
import hmac
import json
import os
import statistics
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

from habla_testkit.backends import PG_URL, REDIS_URL, clear_namespace, create_pg_database, drop_pg_database
from habla_testkit.processes import free_port, habla, habla_env, run_habla, stop, wait_healthy

SECRET = "bench-app-secret"
DATA = ROOT / "tests" / "data" / "whatsapp"


def traffic(events: int) -> list[tuple[str, dict[str, str]]]:
    statuses = [json.loads((DATA / f"status_{s}.json").read_text()) for s in ("sent", "delivered", "read")]
    message = json.loads((DATA / "text.json").read_text())
    out = []
    for n in range(events):
        if n % 5 == 4:
            body = copy.deepcopy(message)
            inner = body["entry"][0]["changes"][0]["value"]["messages"][0]
            inner["id"] = f"wamid.bench{uuid.uuid4().hex}"
            inner["from"] = f"3460{n % 400:07d}"
        else:
            body = statuses[n % 3]
        raw = json.dumps(body)
        signature = "sha256=" + hmac.new(SECRET.encode(), raw.encode(), hashlib.sha256).hexdigest()
        out.append((raw, {"X-Hub-Signature-256": signature}))
    return out


def load(port: int, requests: list, concurrency: int) -> dict:
    job = json.dumps({"port": port, "path": "/webhooks/whatsapp", "concurrency": concurrency, "requests": requests})
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "load_client.py")], input=job.encode(), capture_output=True, check=True
    )
    return json.loads(result.stdout)


def wait_port(port: int, process: subprocess.Popen) -> None:
    import time

    import httpx

    for _ in range(200):
        try:
            httpx.post(f"http://127.0.0.1:{port}/webhooks/whatsapp", content=b"{}", timeout=1)
            return
        except httpx.HTTPError:
            if process.poll() is not None:
                raise RuntimeError("server exited")
            time.sleep(0.05)
    raise RuntimeError("server did not start")


def summarise(runs: list[dict]) -> dict:
    keys = ("events_per_s", "p50_ms", "p99_ms")
    out = {key: round(statistics.median(run[key] for run in runs), 2) for key in keys}
    out["non_200"] = sum(count for run in runs for status, count in run["statuses"].items() if status != "200")
    return out


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=4000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp())
    pg_url, pg_name = await create_pg_database(PG_URL)
    namespace = f"habla-bench-{uuid.uuid4().hex[:8]}"
    common = {"HABLA_WHATSAPP__APP_SECRET": SECRET, "HABLA_WHATSAPP__PHONE_NUMBER_ID": "106540352242922",
              "HABLA_LOG_LEVEL": "WARNING"}
    envs = {
        "embedded": habla_env(**common, HABLA_DATABASE_URL=f"sqlite+aiosqlite:///{tmp}/bench.db"),
        "production": habla_env(**common, HABLA_DATABASE_URL=pg_url, HABLA_REDIS_URL=REDIS_URL,
                                HABLA_BUS__NAMESPACE=namespace),
    }
    assert run_habla("migrate", env=envs["production"], cwd=tmp).returncode == 0
    servers: dict[str, tuple[int, subprocess.Popen]] = {}
    try:
        port = free_port()
        servers["bare"] = (port, subprocess.Popen([sys.executable, str(ROOT / "bench" / "bare_endpoint.py"), str(port)]))
        wait_port(port, servers["bare"][1])
        for name, env in envs.items():
            port = free_port()
            servers[name] = (port, habla("serve", "--port", str(port), "--agents", "none", env=env, cwd=tmp))
            wait_healthy(port, servers[name][1])
        results: dict[str, list[dict]] = {name: [] for name in servers}
        for name, (port, _) in servers.items():
            load(port, traffic(300), args.concurrency)  # warm-up: connections, caches, JIT-free but lazy imports
        for _ in range(args.rounds):
            for name, (port, _) in servers.items():  # interleaved, so machine noise hits all three alike
                results[name].append(load(port, traffic(args.events), args.concurrency))
    finally:
        stop(*(process for _, process in servers.values()))
        await drop_pg_database(PG_URL, pg_name)
        await clear_namespace(REDIS_URL, namespace)
    summary = {name: summarise(runs) for name, runs in results.items()}
    bare = summary["bare"]["events_per_s"]
    for name in envs:
        summary[name]["throughput_ratio_vs_bare"] = round(summary[name]["events_per_s"] / bare, 3)
    print(json.dumps({
        "benchmark": "webhook_ingress", "events_per_round": args.events, "rounds": args.rounds,
        "concurrency": args.concurrency, "mix": "80% statuses / 20% messages", "cpus": os.cpu_count(),
        "goal": {"throughput_ratio_vs_bare": 0.7, "p99_ms": 10}, **summary,
    }))


if __name__ == "__main__":
    asyncio.run(main())
