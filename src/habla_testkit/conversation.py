"""Runs the real services and agents in-process and collects what the console channel sends."""

from __future__ import annotations

import asyncio
from collections import defaultdict

from habla.agents.ingress import ingest
from habla.agents import sender
from habla.bus.base import Subscription
from habla.agents.outbox import outbound_topic
from habla.channels.console import ConsoleChannel
from habla.domain.messages import Inbound, Outbound
from habla.runtime import running


class Conversation:
    """Learners on the console channel; `replies[address]` lists (in_reply_to, chunks) in arrival order."""

    def __init__(self, settings, addresses: list[str], agents: tuple[str, ...] = ("conversation", "sender")):
        self.agents = list(agents)
        self.settings = settings
        self.addresses = addresses
        self.replies: dict[str, list[tuple[str, list[str]]]] = defaultdict(list)
        self.sent: list[str] = []
        self.replied = asyncio.Event()  # set on every reply; benchmarks wait on it instead of polling

    async def __aenter__(self) -> "Conversation":
        def terminals(services) -> list[Subscription]:
            self.services = services
            return [Subscription(outbound_topic("console", address), "console", self._on_reply) for address in self.addresses]

        # periodic=False: the idle-session watcher runs on wall-clock time; its tests call it with their own clock
        self._running = running(
            self.settings, self.agents, channels={"console": ConsoleChannel(self.sent.append)}, extra=terminals, periodic=False
        )
        self.runtime = await self._running.__aenter__()
        return self

    async def __aexit__(self, *exc) -> None:
        await self._running.__aexit__(*exc)

    async def _on_reply(self, envelope) -> None:
        await sender.handle(envelope, self.services)
        outbound = Outbound.model_validate(envelope.payload)
        if outbound.kind != "reply":
            return
        self.replies[outbound.address].append((outbound.in_reply_to, outbound.chunks))
        self.replied.set()

    async def say(self, address: str, text: str, message_id: str, garbled: bool = False) -> None:
        await ingest(
            self.services, Inbound(channel="console", address=address, message_id=message_id, text=text, garbled=garbled)
        )

    async def wait_replies(self, address: str, count: int, timeout: float = 20.0) -> list[tuple[str, list[str]]]:
        deadline = asyncio.get_running_loop().time() + timeout
        while len(self.replies[address]) < count:
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"{address}: {len(self.replies[address])} replies, expected {count}")
            await asyncio.sleep(0.02)
        return self.replies[address]
