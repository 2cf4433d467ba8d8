"""Crash test: Redis Streams, two workers, 200 messages from 20 learners, one worker SIGKILLed mid-burst.

Every message must get exactly one reply, and each learner's replies must arrive in the order they wrote.
"""

from __future__ import annotations

import asyncio
import collections
import random
import signal
import time

import httpx
import pytest

from habla_testkit.backends import PG_URL, REDIS_URL, create_pg_database, drop_pg_database
from habla_testkit.emulators.receiver import Receiver
from habla_testkit.processes import free_port, habla, habla_env, run_habla, stop, wait_healthy

LEARNERS = 20
PER_LEARNER = 10


def _echoed(text: str) -> str:
    return text.split("«", 1)[1].split("»", 1)[0]


@pytest.mark.slow
async def test_sigkill_a_worker_mid_burst_loses_and_repeats_nothing(tmp_path, llm_emulator, namespace):
    llm_emulator.delay_s = 0.02  # a turn takes a little while, so the kill lands mid-work
    url, name = await create_pg_database(PG_URL)
    port = free_port()
    processes = []
    with Receiver() as receiver:
        env = habla_env(
            HABLA_DATABASE_URL=url,
            HABLA_REDIS_URL=REDIS_URL,
            HABLA_BUS__NAMESPACE=namespace,
            HABLA_BUS__LEASE_MS="1500",
            HABLA_BUS__BLOCK_MS="200",
            HABLA_SIMULATOR__CALLBACK_URL=receiver.callback_url,
            HABLA_LLM__FAST__BASE_URL=llm_emulator.openai_base_url,
            HABLA_LLM__FAST__MODEL="emulated-fast",
            HABLA_LLM__FAST__API_KEY="test-key",
        )
        try:
            assert run_habla("migrate", env=env, cwd=tmp_path).returncode == 0
            serve = habla("serve", "--port", str(port), "--agents", "none", env=env, cwd=tmp_path)
            victim = habla("worker", env=env, cwd=tmp_path)
            survivor = habla("worker", env=env, cwd=tmp_path)
            processes = [serve, victim, survivor]
            wait_healthy(port, serve)
            await asyncio.sleep(1.0)  # both workers have joined and split the shards

            sent: dict[str, list[str]] = {}
            kill_at: list[int] = []

            async def learner(client: httpx.AsyncClient, index: int) -> None:
                address = f"+3460000{index:04d}"
                sent[address] = []
                for n in range(PER_LEARNER):
                    text = f"learner {index} message {n}"
                    response = await client.post(
                        f"http://127.0.0.1:{port}/webhooks/simulator",
                        json={"from": address, "id": f"sim-{index}-{n}", "text": text},
                    )
                    assert response.status_code == 200, response.text
                    sent[address].append(text)
                    await asyncio.sleep(random.uniform(0, 0.05))

            async def killer() -> None:
                while len(receiver.received) < 40:
                    await asyncio.sleep(0.01)
                victim.send_signal(signal.SIGKILL)
                kill_at.append(len(receiver.received))

            async with httpx.AsyncClient(timeout=30) as client:
                await asyncio.gather(killer(), *[learner(client, i) for i in range(LEARNERS)])
            assert victim.wait(timeout=5) == -signal.SIGKILL

            await asyncio.to_thread(receiver.wait_for, LEARNERS * PER_LEARNER, 90)
            time.sleep(2 * 1.5)  # a lease period more, for any late duplicate to show up
            delivered, posts = receiver.delivered, list(receiver.received)

            per_learner: dict[str, list[str]] = collections.defaultdict(list)
            for reply in delivered:
                per_learner[reply["to"]].append(_echoed(reply["text"]))
            assert sum(len(v) for v in per_learner.values()) == LEARNERS * PER_LEARNER
            for address, texts in sent.items():
                assert per_learner[address] == texts, f"{address}: replies out of order, missing or repeated"
            # The only repeats allowed are transport resends of the very chunk the victim had sent but not yet
            # recorded when it died: same key, same text, at most one per shard it owned.
            first = {reply["idempotency_key"]: reply for reply in delivered}
            resends = [post for post in posts if post is not first[post["idempotency_key"]]]
            assert len(resends) <= 8, kill_at
            assert all(post["text"] == first[post["idempotency_key"]]["text"] for post in resends)
        finally:
            stop(*processes)
            await drop_pg_database(PG_URL, name)
