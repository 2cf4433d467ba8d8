"""POST /webhooks/twilio through the real app, agents and bus, on both deployments, answered at the emulator."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlencode

import httpx
import pytest

from habla.api.app import create_app
from habla.errors import BusError
from habla_testkit.backends import llm_settings
from habla_testkit.emulators.twilio import ACCOUNT_SID, AUTH_TOKEN, FROM, TwilioEmulator, sign_webhook

DATA = Path(__file__).parent.parent / "data" / "twilio"
PUBLIC_URL = "https://habla.example"
WEBHOOK = "/webhooks/twilio"


def payload(name: str, **changes: str) -> dict[str, str]:
    return {**json.loads((DATA / f"{name}.json").read_text()), **changes}


def twilio_settings(emulator: TwilioEmulator) -> dict:
    return {"account_sid": ACCOUNT_SID, "auth_token": AUTH_TOKEN, "from": FROM, "api_base": emulator.url}


@contextlib.asynccontextmanager
async def running(settings, agents=None):
    app = create_app(settings, agents)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://internal.invalid") as client:
            yield SimpleNamespace(app=app, client=client, services=app.state.services)


@pytest.fixture
def twilio_emulator():
    with TwilioEmulator() as emulator:
        yield emulator


@pytest.fixture
def habla_settings(make_settings, llm_emulator, twilio_emulator, tmp_path):
    def make(**overrides):
        values = {
            "llm": llm_settings(llm_emulator),
            "twilio": twilio_settings(twilio_emulator),
            "public_url": PUBLIC_URL,
            "media_dir": str(tmp_path / "media"),
            **overrides,
        }
        return make_settings(**values)

    return make


async def post(client: httpx.AsyncClient, form: dict[str, str], *, path: str = WEBHOOK, signature: str | None = "sign"):
    headers = {"content-type": "application/x-www-form-urlencoded"}
    if signature == "sign":
        signature = sign_webhook(PUBLIC_URL + path, form)
    if signature is not None:
        headers["x-twilio-signature"] = signature
    return await client.post(path, content=urlencode(form).encode(), headers=headers)


async def settle(twilio_emulator: TwilioEmulator, count: int) -> list[dict]:
    """Wait for `count` messages, then a little longer so a duplicate would have had its chance."""
    sent = await twilio_emulator.wait_sent(count)
    await asyncio.sleep(0.5)
    assert len(twilio_emulator.sent) == count, twilio_emulator.sent
    return sent


async def test_a_signed_message_is_answered_once_at_twilio(habla_settings, twilio_emulator, llm_emulator):
    async with running(habla_settings()) as habla:
        response = await post(habla.client, payload("text"))
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/xml")
        assert response.text.endswith("<Response/>")
        [reply] = await settle(twilio_emulator, 1)
    assert reply["To"] == "whatsapp:+34600111222" and reply["From"] == FROM
    assert "Hola, me llamo Ana y quiero practicar" in reply["Body"]  # the LLM emulator quotes the learner
    assert len(llm_emulator.requests) == 1


async def test_five_concurrent_copies_get_one_reply(habla_settings, twilio_emulator, llm_emulator):
    async with running(habla_settings()) as habla:
        responses = await asyncio.gather(*[post(habla.client, payload("text")) for _ in range(5)])
        assert [r.status_code for r in responses] == [200] * 5
        await settle(twilio_emulator, 1)
    assert len(llm_emulator.requests) == 1


async def test_copies_at_two_api_processes_get_one_reply(habla_settings, twilio_emulator, llm_emulator):
    settings = habla_settings()
    if not settings.uses_redis:
        pytest.skip("two API processes share a bus only on Redis Streams")
    async with running(settings) as worker, running(settings, agents=[]) as api_only:
        clients = [worker.client, api_only.client] * 3
        responses = await asyncio.gather(*[post(client, payload("text")) for client in clients])
        assert [r.status_code for r in responses] == [200] * 6
        await settle(twilio_emulator, 1)
    assert len(llm_emulator.requests) == 1


@pytest.mark.parametrize("name", ["status_sent", "status_delivered", "status_read", "status_failed"])
async def test_status_callbacks_are_answered_before_any_database_or_bus_work(habla_settings, twilio_emulator, name, caplog):
    async with running(habla_settings(), agents=[]) as habla:
        touched = []

        async def refuse(*args, **kwargs):
            touched.append(args)
            raise AssertionError("a status callback reached the store or the bus")

        habla.services.store.claim_inbound = refuse
        habla.services.bus.publish = refuse
        with caplog.at_level(logging.WARNING, logger="habla"):
            response = await post(habla.client, payload(name))
    assert response.status_code == 200 and touched == []
    failures = [r for r in caplog.records if "twilio delivery failed" in r.getMessage()]
    assert len(failures) == (1 if name == "status_failed" else 0)
    if failures:
        assert "63016" in failures[0].getMessage()


async def test_signature_errors(habla_settings, twilio_emulator):
    form = payload("text")
    async with running(habla_settings(), agents=[]) as habla:
        assert (await post(habla.client, form, signature=None)).status_code == 401
        assert (await post(habla.client, form, signature="")).status_code == 401
        assert (await post(habla.client, form, signature="bm90IGl0")).status_code == 403
        # Signed for the URL this process sees instead of the public one Twilio called.
        internal = sign_webhook("http://internal.invalid" + WEBHOOK, form)
        assert (await post(habla.client, form, signature=internal)).status_code == 403
        # Signed, then changed on the way.
        tampered = await habla.client.post(
            WEBHOOK,
            content=urlencode({**form, "Body": "otra cosa"}).encode(),
            headers={"x-twilio-signature": sign_webhook(PUBLIC_URL + WEBHOOK, form)},
        )
        assert tampered.status_code == 403
        # The query string is part of what Twilio signs.
        assert (await post(habla.client, form, path=WEBHOOK + "?tenant=a")).status_code == 200
    assert twilio_emulator.requests == []


async def test_malformed_and_oversized_bodies(habla_settings):
    async with running(habla_settings(), agents=[]) as habla:
        no_sid = {k: v for k, v in payload("text").items() if "Sid" not in k or k == "AccountSid"}
        assert (await post(habla.client, no_sid)).status_code == 400
        assert (await post(habla.client, payload("text", From="whatsapp:ana"))).status_code == 400
        many = {f"f{i}": "1" for i in range(300)}
        assert (await post(habla.client, many)).status_code == 400
        huge = await habla.client.post(
            WEBHOOK, content=b"Body=" + b"a" * 300_000, headers={"x-twilio-signature": "x"}
        )
        assert huge.status_code == 413


async def test_sms_senders_are_acknowledged_and_ignored(habla_settings, twilio_emulator):
    async with running(habla_settings()) as habla:
        response = await post(habla.client, payload("text", From="+34600111222"))
        assert response.status_code == 200
        await asyncio.sleep(0.3)
    assert twilio_emulator.sent == []


async def test_not_configured_is_a_clear_404(make_settings):
    async with running(make_settings(), agents=[]) as habla:
        response = await post(habla.client, payload("text"))
        assert response.status_code == 404 and "HABLA_TWILIO__ACCOUNT_SID" in response.json()["error"]
        assert (await habla.client.get("/media/twilio/" + "a" * 43)).status_code == 404


async def test_missing_public_url_is_said_plainly(habla_settings):
    async with running(habla_settings(public_url=None), agents=[]) as habla:
        response = await post(habla.client, payload("text"))
    assert response.status_code == 503 and "HABLA_PUBLIC_URL" in response.json()["error"]


async def test_bus_down_is_503_and_the_retry_is_answered(habla_settings, twilio_emulator):
    async with running(habla_settings()) as habla:
        publish = habla.services.bus.publish

        async def down(*args, **kwargs):
            raise BusError("bus down")

        habla.services.bus.publish = down
        assert (await post(habla.client, payload("text"))).status_code == 503
        habla.services.bus.publish = publish
        assert (await post(habla.client, payload("text"))).status_code == 200  # Twilio's retry
        await settle(twilio_emulator, 1)


async def test_published_media_is_served_at_its_url(habla_settings, twilio_emulator):
    async with running(habla_settings(), agents=[]) as habla:
        channel = habla.services.channels["twilio"]
        await channel.send_audio("+34600111222", b"OggS\x00voice", "audio/ogg", idempotency_key="k")
        [sent] = twilio_emulator.sent
        path = sent["MediaUrl"].removeprefix(PUBLIC_URL)
        assert path.startswith("/media/twilio/")
        served = await habla.client.get(path)
        assert served.status_code == 200 and served.content == b"OggS\x00voice"
        assert served.headers["content-type"] == "audio/ogg" and "no-store" in served.headers["cache-control"]
        assert (await habla.client.get(path[:-1] + ("A" if path[-1] != "A" else "B"))).status_code == 404
        assert (await habla.client.get("/media/twilio/..%2F..%2Fhabla.db")).status_code == 404


async def test_phone_numbers_and_text_never_reach_info_logs(habla_settings, twilio_emulator, caplog):
    secret = "Mi contraseña secreta es mariposa"
    caplog.set_level(logging.INFO)
    async with running(habla_settings()) as habla:
        assert (await post(habla.client, payload("text", Body=secret, ProfileName="Zebulonia"))).status_code == 200
        assert (await post(habla.client, payload("status_failed"))).status_code == 200
        await settle(twilio_emulator, 1)
    formatter = logging.Formatter()
    lines = [formatter.format(record) for record in caplog.records if record.levelno >= logging.INFO]
    assert any("inbound learner=" in line for line in lines)  # the ingress did log at INFO: the check bites
    for line in lines:
        assert "600111222" not in line and "mariposa" not in line and "Zebulonia" not in line
