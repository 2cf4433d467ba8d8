"""The FastAPI app factory. `habla serve` runs it with the agents in the same process."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import AsyncIterator

from fastapi import FastAPI

from habla.agents.runtime import AGENT_NAMES, run_agents
from habla.api import simulator_routes, twilio_routes, whatsapp_routes
from habla.config import Settings
from habla.services import Services, build_services

log = logging.getLogger(__name__)


def create_app(settings: Settings, agents: list[str] | None = None) -> FastAPI:
    """`agents`: which agents run beside the API (all by default; [] for an API-only process)."""
    agents = list(agents) if agents is not None else list(AGENT_NAMES)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        services = await build_services(settings)
        app.state.services = services
        consumer = None
        if agents:
            consumer = asyncio.create_task(run_agents(services, agents), name="habla-agents")
        log.info("habla api up: agents=%s bus=%s", ",".join(agents) or "none", type(services.bus).__name__)
        try:
            yield
        finally:
            if consumer is not None:
                consumer.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await consumer
            await services.aclose()

    app = FastAPI(title="Habla", lifespan=lifespan)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        services: Services = app.state.services
        return {"status": "ok", "bus": type(services.bus).__name__, "database": services.store.engine.dialect.name}

    # Meta's webhook first, as a bare route: every request walks the routes in order, and it is by far the
    # busiest (see whatsapp_routes.hot_route).
    app.router.routes.insert(0, whatsapp_routes.hot_route)
    app.include_router(whatsapp_routes.router)
    app.include_router(twilio_routes.router)
    app.include_router(simulator_routes.router)
    return app
