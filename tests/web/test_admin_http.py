"""The dashboard's and /metrics' HTTP side without a browser, on both deployments: replaying an inbound dead
letter (its dedupe claim released, answered once), /metrics figures and its token, the refusal to start in
production without a login secret, the simulator page's production rules, and the login primitives."""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from habla.agents import conversation
from habla.api.app import create_app
from habla.config import Settings
from habla.errors import ConfigurationError
from habla.web import dead_letters
from habla.web.auth import AdminAuth, hash_password
from habla_testkit.bus import wait_until
from habla_testkit.backends import llm_settings
from habla_testkit.emulators.receiver import Receiver

TOKEN = "admin-http-test-token"


@contextlib.asynccontextmanager
async def serving(settings):
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://habla.test") as client:
            yield app, client


async def test_an_inbound_dead_letter_is_replayed_and_answered_once(make_settings, llm_emulator, monkeypatch):
    real_compose = conversation._compose
    broken = {"on": True}

    async def compose_with_a_bug(*args, **kwargs):  # a bug that kills the handler after the dedupe claim
        if broken["on"]:
            raise RuntimeError("a bug in the tutor")
        return await real_compose(*args, **kwargs)

    monkeypatch.setattr(conversation, "_compose", compose_with_a_bug)
    with Receiver() as receiver:
        settings = make_settings(
            llm=llm_settings(llm_emulator), simulator={"callback_url": receiver.callback_url}, admin={"token": TOKEN},
            embeddings={"provider": "none"}, bus={"max_deliveries": 2},
        )
        async with serving(settings) as (app, client):
            services = app.state.services
            response = await client.post("/webhooks/simulator", json={"from": "+441234", "id": "m-1", "text": "Hola"})
            assert response.status_code == 200
            await wait_until(lambda: services.bus.dead_letters("inbound"), what="the dead letter")
            [letter] = await services.bus.dead_letters("inbound")
            assert "a bug in the tutor" in letter.error
            assert "habla_dead_letters 1.0" in (await client.get("/metrics")).text
            broken["on"] = False
            assert await dead_letters.replay(services, "inbound", letter.id)
            await wait_until(lambda: receiver.delivered, what="the reply")
            assert not await dead_letters.replay(services, "inbound", letter.id)  # gone: nothing twice
            assert await services.bus.dead_letters("inbound") == []
            await asyncio.sleep(0.3)
            assert [body["text"] for body in receiver.delivered] == [receiver.delivered[0]["text"]]
            assert "Hola" in receiver.delivered[0]["text"]
            metrics = (await client.get("/metrics")).text
            for line in ("habla_dead_letters 0.0", "habla_messages_answered_24h 1.0", 'habla_learners_active{window="today"} 1.0',
                         "habla_replies_in_flight 0.0", 'habla_stage_samples_24h{stage="reply"} 1.0',
                         'habla_llm_calls_30d{tier="fast"} 1.0', 'habla_learners_by_plan{plan="free"} 1.0'):
                assert line in metrics, line


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_metrics_token_and_prices(make_settings, llm_emulator):
    with Receiver() as receiver:
        llm = llm_settings(llm_emulator)
        llm["fast"].update(price_in_per_mtok=1_000_000.0, price_out_per_mtok=2_000_000.0)  # 1 per token in, 2 out
        settings = make_settings(llm=llm, simulator={"callback_url": receiver.callback_url},
                                 admin={"token": TOKEN, "metrics_token": "scrape-me"}, embeddings={"provider": "none"})
        async with serving(settings) as (app, client):
            assert (await client.get("/metrics")).status_code == 401
            assert (await client.get("/metrics", headers={"Authorization": "Bearer wrong"})).status_code == 401
            await client.post("/webhooks/simulator", json={"from": "+441234", "id": "m-1", "text": "Hola"})
            await wait_until(lambda: receiver.delivered, what="the reply")
            response = await client.get("/metrics", headers={"Authorization": "Bearer scrape-me"})
            assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
            [call] = await app.state.services.store.llm_calls()
            expected = call.tokens_in * 1.0 + call.tokens_out * 2.0
            assert f'habla_llm_cost_30d{{tier="fast"}} {expected:.1f}' in response.text


def test_production_refuses_to_start_without_an_admin_secret(tmp_path, monkeypatch):
    with pytest.raises(ConfigurationError, match="HABLA_ADMIN__TOKEN"):
        create_app(Settings(_env_file=None, environment="production", admin={"token": "  "}))
    create_app(Settings(_env_file=None, environment="production", admin={"password_hash": hash_password("x" * 12, 1000)}))
    monkeypatch.chdir(tmp_path)  # no .env
    for name in [n for n in os.environ if n.startswith("HABLA_ADMIN__")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("HABLA_ENVIRONMENT", "production")
    from habla.cli import app as cli

    result = CliRunner().invoke(cli, ["serve", "--port", "1"])
    assert result.exit_code == 1
    assert "HABLA_ADMIN__TOKEN" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_simulator_page_is_off_in_production_and_needs_a_login_when_on(make_settings):
    settings = make_settings(environment="production", admin={"token": TOKEN})
    async with serving(settings) as (_, client):
        assert (await client.get("/simulator")).status_code == 404
    settings = make_settings(environment="production", admin={"token": TOKEN},
                             simulator={"page": True, "callback_url": "http://127.0.0.1:9/simulator/callback?key=k"})
    async with serving(settings) as (_, client):
        assert (await client.get("/simulator")).headers["location"] == "/admin/login"
        assert (await client.post("/simulator/api/ana/text", json={"text": "hola"})).status_code == 401
        assert (await client.post("/simulator/callback?key=wrong", json={"to": "ana", "text": "x"})).status_code == 401


def test_login_primitives():
    auth = AdminAuth(Settings(_env_file=None, admin={"password_hash": hash_password("correct horse", 1000)}).admin)
    assert auth.check_password("correct horse") and not auth.check_password("wrong horse") and not auth.check_password("")
    cookie = auth.new_session()
    nonce = auth.session_nonce(cookie)
    assert nonce and auth.csrf_ok(nonce, auth.csrf_for(nonce)) and not auth.csrf_ok(nonce, None)
    expires, rest = cookie.split(".", 1)
    assert auth.session_nonce(f"{int(expires) + 3600}.{rest}") is None  # tampered expiry
    assert auth.session_nonce(f"{int(time.time()) - 1}.{rest}") is None
    other = AdminAuth(Settings(_env_file=None, admin={"token": "another secret"}).admin)
    assert other.session_nonce(cookie) is None  # a new secret logs everyone out
    assert not AdminAuth(Settings(_env_file=None).admin).configured


def test_env_example_loads_as_is(monkeypatch):
    """Blank values in .env.example are "not set": the page follows the environment, no login secret is set."""
    for name in [n for n in os.environ if n.startswith("HABLA_")]:
        monkeypatch.delenv(name)
    settings = Settings(_env_file=Path(__file__).resolve().parents[2] / ".env.example")
    assert settings.simulator.page is None and settings.simulator_page and not settings.admin.secret_set
