"""Runs the real services and agents in-process and collects what the console channel sends."""

from __future__ import annotations

import asyncio
import contextlib
from collections import defaultdict

from habla.agents.ingress import ingest
from habla.agents.runtime import subscriptions
from habla.agents import sender
from habla.bus.base import Subscription
from habla.channels.base import outbound_topic
from habla.channels.console import ConsoleChannel
from habla.domain.messages import Inbound, Outbound
from habla.services import build_services


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
        self.services = await build_services(self.settings)
        self.services.channels["console"] = ConsoleChannel(self.sent.append)
        subs = subscriptions(self.services, self.agents)
        for address in self.addresses:
            subs.append(Subscription(outbound_topic("console", address), "console", self._on_reply))
        self._consumer = asyncio.create_task(self.services.bus.run(subs))
        return self

    async def __aexit__(self, *exc) -> None:
        self._consumer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._consumer
        await self.services.aclose()

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
