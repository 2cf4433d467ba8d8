"""The real services with the conversation, voice and sender agents in-process, on the console channel.

Voice notes go in as data: URLs or file paths (how `habla chat` and the simulator carry them); what the
learner's phone would show is collected in order: text messages in ``texts``, voice notes in ``audio``.
"""

from __future__ import annotations

import asyncio
import contextlib

from habla.agents import sender
from habla.agents.ingress import ingest
from habla.agents.runtime import subscriptions
from habla.bus.base import Subscription
from habla.channels.base import outbound_topic
from habla.channels.console import ConsoleChannel
from habla.domain.messages import Inbound, InboundKind
from habla.services import build_services
from tests.bus.support import wait_until
from tests.voice.audio import data_url


class VoiceChat:
    def __init__(self, settings, address: str = "ana") -> None:
        self.settings = settings
        self.address = address
        self.texts: list[str] = []

    async def __aenter__(self) -> "VoiceChat":
        self.services = await build_services(self.settings)
        self.channel = ConsoleChannel(self.texts.append)
        self.services.channels["console"] = self.channel
        subs = subscriptions(self.services, ["conversation", "sender", "voice"])
        subs.append(Subscription(outbound_topic("console", self.address), "console", self._on_reply))
        self._consumer = asyncio.create_task(self.services.bus.run(subs))
        return self

    async def __aexit__(self, *exc) -> None:
        self._consumer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._consumer
        await self.services.aclose()

    async def _on_reply(self, envelope) -> None:
        await sender.handle(envelope, self.services)

    @property
    def audio(self) -> list[bytes]:
        return self.channel.audio

    async def send_note(self, message_id: str, data: bytes | None = None, *, media_url: str | None = None) -> None:
        url = media_url if media_url is not None else data_url(data or b"")
        await ingest(
            self.services,
            Inbound(channel="console", address=self.address, message_id=message_id, kind=InboundKind.AUDIO, media_url=url),
        )

    async def say(self, message_id: str, text: str) -> None:
        await ingest(self.services, Inbound(channel="console", address=self.address, message_id=message_id, text=text))

    async def wait_texts(self, count: int, timeout: float = 30.0) -> list[str]:
        await wait_until(lambda: len(self.texts) >= count, timeout=timeout, what=f"{count} messages, got {self.texts}")
        return self.texts

    async def learner(self):
        return await self.services.store.learner("console", self.address)
