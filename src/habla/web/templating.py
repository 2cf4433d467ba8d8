"""Jinja2 templates from the package (autoescaped), built once per app, not at import time."""

from __future__ import annotations

import datetime
import functools
from importlib.resources import files

from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape


@functools.cache
def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(str(files("habla.web") / "templates")), autoescape=select_autoescape())
    env.filters["when"] = _when
    env.filters["ms"] = lambda value: "–" if value is None else f"{value:,.0f} ms"
    env.filters["pct"] = lambda value: "–" if value is None else f"{value * 100:.0f} %"
    return env


def _when(epoch: float | None) -> str:
    if not epoch:
        return "never"
    return datetime.datetime.fromtimestamp(epoch, datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")


def render(name: str, status_code: int = 200, headers: dict | None = None, **context) -> HTMLResponse:
    html = environment().get_template(name).render(**context)
    return HTMLResponse(html, status_code=status_code, headers=headers)
