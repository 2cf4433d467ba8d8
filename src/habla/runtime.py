"""One runtime for every process: `habla serve`, `habla worker`, `habla chat` and the tests.

``running(settings, agents)`` is an async context manager built on ``AsyncExitStack``: it builds the
services, starts the chosen agents as bus consumers (plus the periodic work that belongs to them), and on
exit stops the consumers first, then closes every adapter, each one even when another fails. A crash of
the consumers is visible in ``Runtime.liveness()`` (read by ``/healthz``) instead of passing silently.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from typing import AsyncIterator, Callable

from habla.agents.registry import run_agents
from habla.bus.base import Subscription
from habla.channels.base import Channel
from habla.config import Settings
from habla.services import Services, build_services

log = logging.getLogger(__name__)

ExtraSubscriptions = Callable[[Services], list[Subscription]]


@dataclass
class Runtime:
    services: Services
    agents: list[str]
    consumer: asyncio.Task | None = field(default=None, repr=False)

    def liveness(self) -> dict[str, object]:
        """What this process runs and whether it still does: ``ok`` is False once the consumers died."""
        if self.consumer is None:
            return {"ok": True, "agents": [], "consuming": False}
        alive = not self.consumer.done()
        failure = None
        if not alive and not self.consumer.cancelled() and self.consumer.exception() is not None:
            failure = type(self.consumer.exception()).__name__
        return {"ok": alive, "agents": list(self.agents), "consuming": alive, "failure": failure}

    async def wait(self) -> None:
        """Until the consumers stop (they run until cancelled, so: until they fail)."""
        if self.consumer is not None:
            await asyncio.wait([self.consumer])


@contextlib.asynccontextmanager
async def running(
    settings: Settings,
    agents: list[str],
    *,
    channels: dict[str, Channel] | None = None,
    extra: ExtraSubscriptions | None = None,
    periodic: bool = True,
) -> AsyncIterator[Runtime]:
    """Services up, ``agents`` consuming; ``channels`` are added to those built from settings (the
    console), ``extra`` adds subscriptions of the caller's own (a terminal waiting for its replies).
    ``periodic=False`` leaves out the timed work (the idle-session watcher), for tests that drive it
    with their own clock."""
    async with contextlib.AsyncExitStack() as stack:
        services = await build_services(settings)
        stack.push_async_callback(services.aclose)
        for name, channel in (channels or {}).items():
            replaced = services.channels.get(name)
            if replaced is not None:  # a test's tuned copy of a configured channel: close the one it replaces
                await replaced.aclose()
            services.channels[name] = channel
        runtime = Runtime(services, list(agents))
        subscriptions = extra(services) if extra is not None else []
        if agents or subscriptions:
            runtime.consumer = asyncio.create_task(run_agents(services, agents, subscriptions, periodic=periodic), name="habla-agents")
            stack.push_async_callback(_stop, runtime.consumer)
        log.info("habla up: agents=%s bus=%s", ",".join(agents) or "none", type(services.bus).__name__)
        yield runtime


async def _stop(task: asyncio.Task) -> None:
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        pass
    except Exception as exc:  # already reported by liveness(); closing must go on
        log.error("agents had stopped with %s", type(exc).__name__)
