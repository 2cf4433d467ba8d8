"""Who may come in (issue 9, items 6–8 and 12): blank secrets are unset, bodies are capped before any
check, the simulator needs a long token or loopback in production, hostile JSON is a 400, and the API's
docs are not published in production. Through the real app (lifespan, bus, store) over ASGI."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
from urllib.parse import urlencode

import httpx
import pytest

from habla.api.app import create_app
from habla.api.body_limit import MAX_WEBHOOK_BYTES
from habla.channels.doctor import channel_checks
from habla.config import Settings
from habla.errors import ConfigurationError
from habla_testkit.emulators.twilio import ACCOUNT_SID, FROM, sign_webhook

PUBLIC_URL = "https://habla.example"
LONG_TOKEN = "t" * 40


@contextlib.asynccontextmanager
async def serving(settings: Settings, client_host: str = "203.0.113.7"):
    """The real app, reached from ``client_host`` (an outside address unless told otherwise)."""
    app = create_app(settings, agents=[])
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=(client_host, 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://habla.test") as client:
            yield client


@pytest.fixture
def settings_for(tmp_path):
    def make(**values) -> Settings:
        values.setdefault("admin", {"token": "admission-test-dashboard-token"})  # production wants a dashboard login
        return Settings(_env_file=None, database_url=f"sqlite+aiosqlite:///{tmp_path / 'habla.db'}",
                        media_dir=str(tmp_path / "media"), **values)
    return make


def wa_message(sender: str = "16505551234") -> bytes:
    return json.dumps({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{"field": "messages", "value": {
        "messaging_product": "whatsapp", "metadata": {"phone_number_id": "106540352242922"},
        "contacts": [{"wa_id": sender, "profile": {"name": "x"}}],
        "messages": [{"from": sender, "id": "wamid.EMPTYKEY", "timestamp": "1700000000", "type": "text",
                      "text": {"body": "delete my data"}}]}}]}]}).encode()


def hub_signature(raw: bytes, key: bytes) -> dict[str, str]:
    return {"content-type": "application/json",
            "x-hub-signature-256": "sha256=" + hmac.new(key, raw, hashlib.sha256).hexdigest()}


# -- 6: blank or whitespace secrets are "not set" everywhere ----------------------------------------------------


@pytest.mark.parametrize("blank", ["", "   ", "\t"])
def test_blank_secrets_are_unset(monkeypatch, blank):
    for name in ("HABLA_WHATSAPP__APP_SECRET", "HABLA_WHATSAPP__VERIFY_TOKEN", "HABLA_WHATSAPP__ACCESS_TOKEN",
                 "HABLA_TWILIO__AUTH_TOKEN", "HABLA_SIMULATOR__TOKEN", "HABLA_LLM__FAST__API_KEY",
                 "HABLA_EMBEDDINGS__API_KEY"):
        monkeypatch.setenv(name, blank)
    monkeypatch.setenv("HABLA_ENVIRONMENT", "production")
    settings = Settings(_env_file=None)
    assert settings.whatsapp.app_secret is None and settings.whatsapp.verify_token is None
    assert settings.whatsapp.access_token is None and settings.twilio.auth_token is None
    assert settings.simulator.token is None and settings.llm.fast.api_key is None
    assert settings.embeddings.api_key is None


async def test_empty_app_secret_signs_for_nobody(monkeypatch, settings_for):
    """The reported attack: .env.example's blank app secret, a body signed with b"", in production."""
    monkeypatch.setenv("HABLA_WHATSAPP__APP_SECRET", "")
    settings = settings_for(environment="production", whatsapp={
        "access_token": "EAAG-real-token", "phone_number_id": "106540352242922", "verify_token": "v" * 20})
    raw = wa_message()
    async with serving(settings) as client:
        response = await client.post("/webhooks/whatsapp", content=raw, headers=hub_signature(raw, b""))
    assert response.status_code == 404 and "APP_SECRET" in response.json()["error"]


async def test_whitespace_verify_token_answers_no_handshake(settings_for):
    settings = settings_for(whatsapp={"verify_token": "  ", "app_secret": "s" * 20})
    params = {"hub.mode": "subscribe", "hub.verify_token": "  ", "hub.challenge": "12345"}
    async with serving(settings) as client:
        response = await client.get("/webhooks/whatsapp", params=params)
    assert response.status_code == 404


async def test_whitespace_twilio_token_turns_the_channel_off(settings_for):
    settings = settings_for(public_url=PUBLIC_URL, twilio={"account_sid": ACCOUNT_SID, "auth_token": "   ", "from": FROM})
    form = {"MessageSid": "SM" + "a" * 32, "AccountSid": ACCOUNT_SID, "From": "whatsapp:+16505551234", "To": FROM,
            "Body": "delete my data", "NumMedia": "0"}
    headers = {"content-type": "application/x-www-form-urlencoded",
               "x-twilio-signature": sign_webhook(PUBLIC_URL + "/webhooks/twilio", form, auth_token="   ")}
    async with serving(settings) as client:
        response = await client.post("/webhooks/twilio", content=urlencode(form).encode(), headers=headers)
    assert response.status_code == 404


def test_doctor_fails_a_channel_whose_secret_is_whitespace(settings_for):
    whatsapp = settings_for(whatsapp={"app_secret": " ", "verify_token": "v" * 20, "access_token": "EAAG",
                                      "phone_number_id": "1065"})
    [(name, ok, detail)] = channel_checks(whatsapp)
    assert name == "whatsapp" and not ok and "HABLA_WHATSAPP__APP_SECRET" in detail
    twilio = settings_for(public_url=PUBLIC_URL, twilio={"account_sid": ACCOUNT_SID, "auth_token": " \t", "from": FROM})
    [(name, ok, detail)] = channel_checks(twilio)
    assert name == "twilio" and not ok and "HABLA_TWILIO__AUTH_TOKEN" in detail


# -- 7: bodies are capped before authentication -----------------------------------------------------------------


class Flood:
    """A chunked body with no Content-Length that would go on for ``total`` bytes; counts what was read."""

    def __init__(self, total: int, chunk: int = 64 * 1024) -> None:
        self.total, self.chunk, self.sent = total, chunk, 0

    async def __aiter__(self):
        while self.sent < self.total:
            self.sent += self.chunk
            yield b"{" * self.chunk


@pytest.mark.parametrize("path", ["/webhooks/whatsapp", "/webhooks/simulator", "/webhooks/twilio"])
async def test_oversized_bodies_are_refused_unread(settings_for, path):
    settings = settings_for(
        public_url=PUBLIC_URL, whatsapp={"app_secret": "s" * 20},
        simulator={"callback_url": "http://127.0.0.1:9/cb"},
        twilio={"account_sid": ACCOUNT_SID, "auth_token": "a" * 32, "from": FROM},
    )
    headers = {"x-hub-signature-256": "sha256=00", "x-twilio-signature": "x"}
    async with serving(settings) as client:
        declared = await client.post(path, content=b"{" * (MAX_WEBHOOK_BYTES + 1), headers=headers)
        assert declared.status_code == 413
        flood = Flood(200 * 1024 * 1024)
        streamed = await client.post(path, content=flood, headers=headers)
        assert streamed.status_code == 413
        assert flood.sent <= MAX_WEBHOOK_BYTES + 2 * flood.chunk  # stopped at the cap, not at 200 MiB


# -- 8 and 12: the simulator in production, hostile JSON ---------------------------------------------------------


def test_short_simulator_token_refused_in_production(settings_for):
    with pytest.raises(ConfigurationError, match="HABLA_SIMULATOR__TOKEN"):
        settings_for(environment="production", simulator={"callback_url": "http://127.0.0.1:9/cb", "token": "short-token"})
    assert settings_for(environment="production", simulator={"callback_url": "http://x/cb", "token": LONG_TOKEN})


def simulator_message(text: str = "delete my data") -> bytes:
    return json.dumps({"from": "someone-else", "id": "m-1", "text": text}).encode()


async def test_simulator_without_token_takes_only_loopback_in_production(settings_for):
    settings = settings_for(environment="production", simulator={"callback_url": "http://127.0.0.1:9/cb", "token": " "})
    async with serving(settings, client_host="198.51.100.20") as outsider:
        assert (await outsider.post("/webhooks/simulator", content=simulator_message())).status_code == 403
    async with serving(settings, client_host="127.0.0.1") as local:
        assert (await local.post("/webhooks/simulator", content=simulator_message())).status_code == 200


async def test_simulator_with_long_token_takes_the_token_from_anywhere(settings_for):
    settings = settings_for(environment="production", simulator={"callback_url": "http://127.0.0.1:9/cb", "token": LONG_TOKEN})
    async with serving(settings, client_host="198.51.100.20") as client:
        assert (await client.post("/webhooks/simulator", content=simulator_message())).status_code == 401
        ok = await client.post("/webhooks/simulator", content=simulator_message(), headers={"x-habla-token": LONG_TOKEN})
        assert ok.status_code == 200


def test_serve_refuses_a_public_interface_for_an_open_simulator():
    from habla.channels.simulator import exposure_problem

    assert "HABLA_SIMULATOR__TOKEN" in exposure_problem("production", True, False, "0.0.0.0")
    assert exposure_problem("production", True, False, "127.0.0.1") is None
    assert exposure_problem("production", True, True, "0.0.0.0") is None
    assert exposure_problem("development", True, False, "0.0.0.0") is None


@pytest.mark.parametrize("raw", [
    b"[" * 100_000 + b"]" * 100_000,
    b'{"from": "a", "id": "b", "text": ' + b"[" * 50_000 + b"]" * 50_000 + b"}",
    b'{"from": "a", "id": "b", "text": "hola \\ud800 mundo"}',
    b'{"from": "\\udfff", "id": "b", "text": "hola"}',
])
async def test_hostile_simulator_json_is_a_400(settings_for, raw):
    settings = settings_for(simulator={"callback_url": "http://127.0.0.1:9/cb"})
    async with serving(settings, client_host="127.0.0.1") as client:
        response = await client.post("/webhooks/simulator", content=raw)
    assert response.status_code == 400, response.text


async def test_docs_and_schema_are_off_in_production(settings_for):
    async with serving(settings_for(environment="production")) as client:
        for path in ("/docs", "/openapi.json", "/redoc"):
            assert (await client.get(path)).status_code == 404
    async with serving(settings_for()) as client:
        assert (await client.get("/openapi.json")).status_code == 200


def test_serve_says_in_one_line_why_it_will_not_start(tmp_path):
    from habla_testkit.processes import habla_env, run_habla

    base = {"HABLA_ENVIRONMENT": "production", "HABLA_SIMULATOR__CALLBACK_URL": "http://127.0.0.1:9/cb",
            "HABLA_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'habla.db'}"}
    for extra, expected in (({}, "loopback only"), ({"HABLA_SIMULATOR__TOKEN": "short"}, "shorter than 32")):
        result = run_habla("serve", "--host", "0.0.0.0", "--port", "9", env=habla_env(**base, **extra), cwd=tmp_path, timeout=60)
        err = result.stderr.decode().strip()
        assert result.returncode == 1 and len(err.splitlines()) == 1 and expected in err, err[-2000:]
