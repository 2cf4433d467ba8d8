"""Agent names → bus subscriptions: which agents a process runs (`--agents`), and running them."""

from __future__ import annotations

import asyncio
from functools import partial

from habla.agents.outages import through_outages
from habla.bus.base import Subscription
from habla.domain.delivery_evidence import TOPIC as EVIDENCE_TOPIC
from habla.errors import ConfigurationError
from habla.services import Services

# "scheduler" consumes no topic: it is the practice-prompt tick (practice/scheduler.py), periodic work only
AGENT_NAMES = ("conversation", "sender", "voice", "memory", "scheduler")


def parse_agents(spec: str) -> list[str]:
    """'all', 'none' or a comma list such as 'conversation,sender'."""
    spec = spec.strip().lower()
    if spec == "all":
        return list(AGENT_NAMES)
    if spec in ("", "none"):
        return []
    names = [name.strip() for name in spec.split(",") if name.strip()]
    unknown = [name for name in names if name not in AGENT_NAMES]
    if unknown:
        raise ConfigurationError(f"unknown agents {unknown}; choose from {', '.join(AGENT_NAMES)}")
    return names


def subscriptions(services: Services, agents: list[str]) -> list[Subscription]:
    from habla.agents import conversation, sender

    subs: list[Subscription] = []
    if "conversation" in agents:
        subs.append(Subscription(conversation.TOPIC, "conversation", partial(_call, conversation.handle, services)))
    if "voice" in agents:
        from habla.agents import voice

        subs.append(Subscription(voice.TOPIC, "voice", partial(_call, voice.handle, services)))
    if "memory" in agents:
        from habla.agents import memory

        for topic in memory.TOPICS:
            subs.append(Subscription(topic, "memory", partial(_call, memory.handle, services)))
    if "sender" in agents:
        # One outbound topic per channel this process can send on; console topics belong to `habla chat`.
        for name in services.channels:
            if name != "console":
                subs.append(Subscription(f"outbound.{name}", "sender", partial(_call, sender.handle, services)))
        if any(getattr(channel, "reports_delivery", False) for channel in services.channels.values()):
            # providers' status webhooks for our sends become delivery rows (agents/delivery_evidence.py)
            from habla.agents import delivery_evidence

            subs.append(Subscription(EVIDENCE_TOPIC, "sender", partial(_call, delivery_evidence.handle, services)))
    return subs


async def run_agents(
    services: Services, agents: list[str], extra: list[Subscription] | None = None, *, periodic: bool = True
) -> None:
    """Consume the bus for these agents (and any extra subscriptions) until cancelled, with the periodic
    work that belongs to them (``periodic``): processes that run the memory agent also end idle sessions, and
    processes that run the scheduler send due practice prompts (practice/scheduler.py), and
    every agent process prunes dedupe claims past the 7-day retry horizon (agents/janitor.py)."""
    subs = subscriptions(services, agents) + list(extra or [])
    timed = []
    if periodic and "memory" in agents:
        from habla.agents.session_watch import watch

        timed.append(watch(services))
    if periodic and "scheduler" in agents:
        from habla.practice import scheduler

        timed.append(scheduler.watch(services))
    if periodic and agents:
        from habla.agents import janitor

        timed.append(janitor.watch(services))
    # The timed work lives as long as the consumers: when they end (the bus died under them), so does the
    # process's work, and /healthz sees it.
    background = [asyncio.create_task(job) for job in timed]
    try:
        if subs:
            await services.bus.run(subs)
        elif background:
            await asyncio.gather(*background)
    finally:
        for task in background:
            task.cancel()
        await asyncio.gather(*background, return_exceptions=True)


async def _call(handler, services: Services, envelope) -> None:
    await through_outages(
        lambda: handler(envelope, services), services.settings.bus.outage_retry_s, f"{envelope.topic} handler"
    )
