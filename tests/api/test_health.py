"""/healthz tells an orchestrator whether this process still does its work, from the one runtime."""

from __future__ import annotations

import contextlib

import httpx

from habla.api.app import create_app
from habla_testkit.bus import wait_until


@contextlib.asynccontextmanager
async def serving(settings, agents):
    app = create_app(settings, agents)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://habla.test") as client:
            yield app, client


async def test_healthz_reports_the_agents_and_turns_503_when_they_stop(make_settings):
    settings = make_settings()
    async with serving(settings, ["conversation", "sender"]) as (app, client):
        answer = await client.get("/healthz")
        assert answer.status_code == 200
        assert answer.json()["agents"] == {"ok": True, "agents": ["conversation", "sender"], "consuming": True, "failure": None}
        bus = app.state.services.bus

        async def consuming() -> bool:
            return "conversation" in await bus.live_consumers()  # (no channel configured: no sender topic)

        await wait_until(consuming, what="the agents' heartbeats on the bus")

        await bus.aclose()  # the consumers end, as they would when the bus dies under them
        await wait_until(lambda: app.state.runtime.consumer.done(), what="the consumers to stop")
        answer = await client.get("/healthz")
        assert answer.status_code == 503 and answer.json()["status"] == "agents stopped"


async def test_an_api_only_process_is_healthy_without_agents(make_settings):
    async with serving(make_settings(), []) as (_, client):
        answer = await client.get("/healthz")
        assert answer.status_code == 200 and answer.json()["agents"]["consuming"] is False
