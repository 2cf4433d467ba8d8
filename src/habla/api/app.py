"""The FastAPI app factory. `habla serve` runs it with the agents in the same process."""

from __future__ import annotations

import contextlib
import logging
from typing import AsyncIterator

from fastapi import FastAPI
from fastapi.responses import JSONResponse

from habla.agents.registry import AGENT_NAMES
from habla.api import simulator_routes, stripe_routes, twilio_routes, whatsapp_routes
from habla.config import Settings
from habla.runtime import Runtime, running

log = logging.getLogger(__name__)


def create_app(settings: Settings, agents: list[str] | None = None) -> FastAPI:
    """`agents`: which agents run beside the API (all by default; [] for an API-only process)."""
    agents = list(agents) if agents is not None else list(AGENT_NAMES)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with running(settings, agents) as runtime:
            app.state.runtime = runtime
            app.state.services = runtime.services
            yield

    # The interactive docs and the schema map every route for a stranger: development only.
    public_docs = settings.environment != "production"
    app = FastAPI(
        title="Habla", lifespan=lifespan, docs_url="/docs" if public_docs else None, redoc_url=None,
        openapi_url="/openapi.json" if public_docs else None,
    )

    @app.get("/healthz")
    async def healthz() -> JSONResponse:
        """200 while this process does its work; 503 once its agents stopped (so an orchestrator restarts it)."""
        runtime: Runtime = app.state.runtime
        services = runtime.services
        liveness = runtime.liveness()
        body = {
            "status": "ok" if liveness["ok"] else "agents stopped",
            "bus": type(services.bus).__name__,
            "database": services.store.engine.dialect.name,
            "agents": liveness,
        }
        return JSONResponse(body, status_code=200 if liveness["ok"] else 503)

    # Meta's webhook first, as a bare route: every request walks the routes in order, and it is by far the
    # busiest (see whatsapp_routes.hot_route).
    app.router.routes.insert(0, whatsapp_routes.hot_route)
    app.include_router(whatsapp_routes.router)
    app.include_router(twilio_routes.router)
    app.include_router(simulator_routes.router)
    app.include_router(stripe_routes.router)
    from habla.web import mount  # the simulator page, /admin and /metrics

    mount(app, settings)
    return app
