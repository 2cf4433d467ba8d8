"""Crash test: Redis Streams, two workers, 200 messages from 20 learners, one worker SIGKILLed mid-burst.

Every message must get exactly one reply, and each learner's replies must arrive in the order they wrote.
On WhatsApp and Twilio (their emulators post status callbacks as the providers do) nothing is sent twice
either: a chunk the dead worker had handed over is recognised by the provider's status (delivery evidence)
and not resent. On the simulator channel a resend is allowed: its far end drops repeated keys itself.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import random
import signal
import time
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.api.test_whatsapp_routes import signed, text_body
from habla_testkit.backends import PG_URL, REDIS_URL, create_pg_database, drop_pg_database
from habla_testkit.emulators.graph import GraphEmulator
from habla_testkit.emulators.receiver import Receiver
from habla_testkit.emulators.twilio import ACCOUNT_SID, AUTH_TOKEN, FROM, TwilioEmulator, sign_webhook
from habla_testkit.processes import free_port, habla, habla_env, run_habla, stop, wait_healthy

LEARNERS = 20
PER_LEARNER = 10
APP_SECRET = "crash-test-app-secret"


def _echoed(text: str) -> str:
    return text.split("«", 1)[1].split("»", 1)[0]


class Simulator:
    def __init__(self, port: int) -> None:
        self.port = port

    @contextlib.contextmanager
    def running(self):
        with Receiver() as self.receiver:
            yield {"HABLA_SIMULATOR__CALLBACK_URL": self.receiver.callback_url}

    def address(self, index: int) -> str:
        return f"+3460000{index:04d}"

    async def post(self, client: httpx.AsyncClient, address: str, message_id: str, text: str) -> httpx.Response:
        return await client.post(f"http://127.0.0.1:{self.port}/webhooks/simulator",
                                 json={"from": address, "id": message_id, "text": text})

    def sends(self) -> list[dict]:
        """Every send the far end got: {"to", "text", "key"}, in arrival order."""
        return [{"to": p["to"], "text": p["text"], "key": p["idempotency_key"]} for p in list(self.receiver.received)]


class WhatsApp(Simulator):
    @contextlib.contextmanager
    def running(self):
        with GraphEmulator() as self.graph:
            self.graph.post_statuses_to(f"http://127.0.0.1:{self.port}/webhooks/whatsapp", APP_SECRET)
            yield {"HABLA_WHATSAPP__ACCESS_TOKEN": self.graph.access_token, "HABLA_WHATSAPP__APP_SECRET": APP_SECRET,
                   "HABLA_WHATSAPP__PHONE_NUMBER_ID": self.graph.phone_number_id,
                   "HABLA_WHATSAPP__API_BASE": self.graph.api_base}

    def address(self, index: int) -> str:
        return f"3460000{index:04d}"

    async def post(self, client, address, message_id, text):
        raw = text_body(f"wamid.crash-{message_id}", text, sender=address)
        return await client.post(f"http://127.0.0.1:{self.port}/webhooks/whatsapp", content=raw, headers=signed(raw, APP_SECRET))

    def sends(self):
        return [{"to": b["to"], "text": b["text"]["body"], "key": b["biz_opaque_callback_data"]}
                for b in list(self.graph.sent) if b.get("type") == "text"]


class Twilio(Simulator):
    @contextlib.contextmanager
    def running(self):
        with TwilioEmulator() as self.twilio:
            yield {"HABLA_TWILIO__ACCOUNT_SID": ACCOUNT_SID, "HABLA_TWILIO__AUTH_TOKEN": AUTH_TOKEN,
                   "HABLA_TWILIO__FROM": FROM, "HABLA_TWILIO__API_BASE": self.twilio.url,
                   "HABLA_PUBLIC_URL": f"http://127.0.0.1:{self.port}"}

    async def post(self, client, address, message_id, text):
        url = f"http://127.0.0.1:{self.port}/webhooks/twilio"
        message_id = "SM" + message_id.replace("-", "x")
        form = {"SmsMessageSid": message_id, "NumMedia": "0", "ProfileName": "Learner", "MessageType": "text",
                "SmsSid": message_id, "WaId": address.lstrip("+"), "SmsStatus": "received", "Body": text,
                "To": FROM, "NumSegments": "1", "MessageSid": message_id, "AccountSid": ACCOUNT_SID,
                "From": f"whatsapp:{address}", "ApiVersion": "2010-04-01"}
        return await client.post(url, data=form, headers={"x-twilio-signature": sign_webhook(url, form)})

    def sends(self):
        return [{"to": f["To"].removeprefix("whatsapp:"), "text": f["Body"],
                 "key": parse_qs(urlsplit(f["StatusCallback"]).query)["habla_key"][0]} for f in list(self.twilio.sent)]


@pytest.mark.slow
@pytest.mark.parametrize("transport", [Simulator, WhatsApp, Twilio], ids=["simulator", "whatsapp", "twilio"])
async def test_sigkill_a_worker_mid_burst_loses_and_repeats_nothing(tmp_path, llm_emulator, namespace, transport):
    llm_emulator.delay_s = 0.02  # a turn takes a little while, so the kill lands mid-work
    url, name = await create_pg_database(PG_URL)
    port = free_port()
    channel = transport(port)
    processes = []
    with channel.running() as channel_env:
        env = habla_env(
            HABLA_DATABASE_URL=url,
            HABLA_REDIS_URL=REDIS_URL,
            HABLA_BUS__NAMESPACE=namespace,
            HABLA_BUS__LEASE_MS="1500",
            HABLA_BUS__BLOCK_MS="200",
            HABLA_LLM__FAST__BASE_URL=llm_emulator.openai_base_url,
            HABLA_LLM__FAST__MODEL="emulated-fast",
            HABLA_LLM__FAST__API_KEY="test-key",
            **channel_env,
        )
        try:
            assert run_habla("migrate", env=env, cwd=tmp_path).returncode == 0
            serve = habla("serve", "--port", str(port), "--agents", "none", env=env, cwd=tmp_path, log=tmp_path / "serve.log")
            victim = habla("worker", env=env, cwd=tmp_path, log=tmp_path / "victim.log")
            survivor = habla("worker", env=env, cwd=tmp_path, log=tmp_path / "survivor.log")
            processes = [serve, victim, survivor]
            wait_healthy(port, serve)
            await asyncio.sleep(1.0)  # both workers have joined and split the shards

            sent: dict[str, list[str]] = {}
            kill_at: list[int] = []

            async def learner(client: httpx.AsyncClient, index: int) -> None:
                address = channel.address(index)
                sent[address] = []
                for n in range(PER_LEARNER):
                    text = f"learner {index} message {n}"
                    response = await channel.post(client, address, f"{index}-{n}", text)
                    assert response.status_code == 200, response.text
                    sent[address].append(text)
                    await asyncio.sleep(random.uniform(0, 0.05))

            async def killer() -> None:
                while len(channel.sends()) < 40:
                    await asyncio.sleep(0.01)
                victim.send_signal(signal.SIGKILL)
                kill_at.append(len(channel.sends()))

            async with httpx.AsyncClient(timeout=30) as client:
                await asyncio.gather(killer(), *[learner(client, i) for i in range(LEARNERS)])
            assert victim.wait(timeout=5) == -signal.SIGKILL

            deadline = time.monotonic() + 90
            while len({s["key"] for s in channel.sends()}) < LEARNERS * PER_LEARNER and time.monotonic() < deadline:
                await asyncio.sleep(0.1)
            await asyncio.sleep(2 * 1.5)  # a lease period more, for any late duplicate to show up
            sends = channel.sends()

            first = {}
            for send in sends:
                first.setdefault(send["key"], send)
            per_learner: dict[str, list[str]] = collections.defaultdict(list)
            for send in first.values():
                per_learner[send["to"]].append(_echoed(send["text"]))
            assert sum(len(v) for v in per_learner.values()) == LEARNERS * PER_LEARNER
            for address, texts in sent.items():
                assert per_learner[address] == texts, f"{address}: replies out of order, missing or repeated"
            resends = len(sends) - len(first)
            assert all(send["text"] == first[send["key"]]["text"] for send in sends)
            if transport is Simulator:
                # The only repeats allowed are transport resends of the very chunk the victim had sent but not
                # yet recorded when it died: same key, same text, at most one per shard it owned.
                assert resends <= 8, kill_at
            else:
                assert resends == 0, (kill_at, collections.Counter(s["key"] for s in sends).most_common(3))
        finally:
            stop(*processes)
            await drop_pg_database(PG_URL, name)
