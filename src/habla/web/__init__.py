"""What people look at: the learner simulator page, the operator dashboard and /metrics (see mount)."""

from __future__ import annotations

from importlib.resources import files

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from habla.config import Settings
from habla.errors import ConfigurationError


def check_settings(settings: Settings) -> None:
    """Production never serves a dashboard without a login secret: refuse to start instead."""
    if settings.environment == "production" and not settings.admin.secret_set:
        raise ConfigurationError(
            "the operator dashboard (/admin) needs a login secret in production: set HABLA_ADMIN__TOKEN or "
            "HABLA_ADMIN__PASSWORD_HASH (habla admin-password makes one)"
        )


def mount(app: FastAPI, settings: Settings) -> None:
    from habla.web import admin_routes, metrics_routes, simulator_page

    check_settings(settings)
    app.mount("/static", StaticFiles(directory=str(files("habla.web") / "static")), name="static")
    app.include_router(admin_routes.router)
    app.include_router(metrics_routes.router)
    if settings.simulator_page:
        app.include_router(simulator_page.router)
