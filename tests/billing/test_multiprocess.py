"""Real processes on Postgres + Redis Streams: the same Stripe event delivered to two `habla serve`s at the
same moment activates once; 50 concurrent messages at the quota edge on two workers serve exactly the quota."""

from __future__ import annotations

import asyncio
import collections

import httpx
import pytest

from habla.storage.database import create_engine
from habla.storage.store import Store
from tests.billing.conftest import PAYMENT_LINK
from habla_testkit.backends import production_backends
from habla_testkit.emulators.receiver import Receiver
from habla_testkit.emulators.stripe import API_KEY, WEBHOOK_SECRET, event, sign_header
from habla_testkit.processes import free_port, habla, habla_env, run_habla, stop, wait_healthy


def _env(url, redis_url, namespace, stripe_emulator, **extra) -> dict[str, str]:
    return habla_env(
        HABLA_DATABASE_URL=url, HABLA_REDIS_URL=redis_url, HABLA_BUS__NAMESPACE=namespace,
        HABLA_BUS__LEASE_MS="1500", HABLA_BUS__BLOCK_MS="200",
        HABLA_STRIPE__API_KEY=API_KEY, HABLA_STRIPE__WEBHOOK_SECRET=WEBHOOK_SECRET,
        HABLA_STRIPE__PAYMENT_LINK=PAYMENT_LINK, HABLA_STRIPE__API_BASE=stripe_emulator.url, **extra,
    )


@pytest.mark.slow
async def test_one_event_at_two_api_processes_at_once_activates_once(tmp_path, stripe_emulator):
    async with production_backends() as (url, redis_url, namespace):
        env = _env(url, redis_url, namespace, stripe_emulator)
        assert run_habla("migrate", env=env, cwd=tmp_path).returncode == 0
        ports = [free_port(), free_port()]
        servers = [habla("serve", "--port", str(port), "--agents", "none", env=env, cwd=tmp_path, log=tmp_path / f"serve{port}.log")
                   for port in ports]
        store = Store(create_engine(url))
        billing = store
        try:
            for port, server in zip(ports, servers):
                wait_healthy(port, server, timeout=90)
            learners = [await store.learner("whatsapp", f"3460000{n:04d}") for n in range(8)]
            async with httpx.AsyncClient(timeout=30) as client:
                for learner in learners:
                    raw = event("checkout.session.completed", stripe_emulator.checkout_session(learner.id))
                    headers = {"content-type": "application/json", "stripe-signature": sign_header(raw)}
                    answers = await asyncio.gather(
                        *[client.post(f"http://127.0.0.1:{port}/webhooks/stripe", content=raw, headers=headers) for port in ports]
                    )
                    assert [a.status_code for a in answers] == [200, 200]
                    assert sorted(a.json()["outcome"] for a in answers) == ["activated", "replay"]
            for learner in learners:
                assert await billing.plan_activations(learner.id) == 1 and (await billing.billing_account(learner.id)).paid
        finally:
            stop(*servers)
            await store.aclose()


@pytest.mark.slow
async def test_fifty_concurrent_messages_at_the_quota_edge_on_two_workers(tmp_path, stripe_emulator, llm_emulator):
    learners, per_learner, free = 5, 10, 4
    async with production_backends() as (url, redis_url, namespace):
        with Receiver() as receiver:
            env = _env(
                url, redis_url, namespace, stripe_emulator,
                HABLA_BILLING__FREE_MESSAGES=str(free),
                HABLA_SIMULATOR__CALLBACK_URL=receiver.callback_url,
                HABLA_LLM__FAST__BASE_URL=llm_emulator.openai_base_url,
                HABLA_LLM__FAST__MODEL="emulated-fast", HABLA_LLM__FAST__API_KEY="test-key",
            )
            assert run_habla("migrate", env=env, cwd=tmp_path).returncode == 0
            port = free_port()
            serve = habla("serve", "--port", str(port), "--agents", "none", env=env, cwd=tmp_path, log=tmp_path / "serve.log")
            workers = [habla("worker", env=env, cwd=tmp_path, log=tmp_path / f"worker{n}.log") for n in range(2)]
            try:
                wait_healthy(port, serve, timeout=90)  # three processes importing at once on a shared machine
                await asyncio.sleep(1.0)  # both workers joined and split the shards
                async with httpx.AsyncClient(timeout=30) as client:
                    answers = await asyncio.gather(*[
                        client.post(f"http://127.0.0.1:{port}/webhooks/simulator",
                                    json={"from": f"+3461000{n % learners:04d}", "id": f"edge-{n}", "text": f"Mensaje {n}"})
                        for n in range(learners * per_learner)
                    ])
                assert all(a.status_code == 200 for a in answers)
                delivered = await asyncio.to_thread(receiver.wait_for, learners * per_learner, 90)
                await asyncio.sleep(1.0)  # anything extra would show up now
                delivered = receiver.delivered
            finally:
                stop(serve, *workers)
    kinds: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    for reply in delivered:
        text = reply["text"]
        kind = "tutor" if "«" in text else "reminder" if text.startswith("🔒") else "limit" if text.startswith("🎓") else text
        kinds[reply["to"]][kind] += 1
    assert len(delivered) == learners * per_learner
    assert all(counts == {"tutor": free, "limit": 1, "reminder": per_learner - free - 1} for counts in kinds.values()), kinds
    assert len(llm_emulator.requests) == learners * free
