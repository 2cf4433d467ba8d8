"""`habla chat`: the terminal as a learner's phone, through the same ingress, bus and agents as WhatsApp."""

from __future__ import annotations

import asyncio
import sys
import uuid
from functools import partial
from typing import BinaryIO, Callable

from habla.agents import sender
from habla.agents.ingress import ingest
from habla.agents.outbox import outbound_topic
from habla.bus.base import Envelope, Subscription
from habla.channels.console import ConsoleChannel
from habla.config import Settings
from habla.domain.inbound_text import decode_transport_bytes
from habla.domain.messages import Inbound, InboundKind, Outbound
from habla.runtime import running
from habla.services import Services


async def run_chat(
    settings: Settings,
    name: str,
    agents: list[str],
    stdin: BinaryIO,
    write: Callable[[str], None],
    reply_timeout_s: float,
    interactive: bool,
) -> int:
    """Send each line as a message, print the reply; returns how many messages got no reply in time."""
    waiting: dict[str, asyncio.Future[None]] = {}

    async def on_console_reply(services: Services, envelope: Envelope) -> None:
        await sender.handle(envelope, services)
        outbound = Outbound.model_validate(envelope.payload)
        if outbound.outbound_id.startswith("heard-"):
            return  # "🎙️ I heard: …": the tutor's answer to the transcript follows
        future = waiting.get((outbound.in_reply_to or "").removesuffix(":transcript"))
        if future is not None and not future.done():
            future.set_result(None)

    def console(services: Services) -> list[Subscription]:
        return [Subscription(outbound_topic("console", name), "console", partial(on_console_reply, services))]

    terminal = {"console": ConsoleChannel(write, media_dir=settings.media_dir)}
    unanswered = 0
    async with running(settings, agents, channels=terminal, extra=console) as runtime:
        services = runtime.services
        if not services.llm.configured:
            from habla.llm.local_models import how_to_get_one

            sys.stderr.write(f"habla: no language model yet: {how_to_get_one(settings.llm.local)}\n")
        while True:
            if interactive:
                sys.stderr.write("you> ")
                sys.stderr.flush()
            raw = await asyncio.to_thread(stdin.readline)
            if not raw:
                break
            text, garbled = decode_transport_bytes(raw.rstrip(b"\r\n"))
            if not text.strip() and not garbled:
                continue
            message_id = uuid.uuid4().hex
            waiting[message_id] = asyncio.get_running_loop().create_future()
            await ingest(services, _inbound(name, message_id, text, garbled))
            try:
                await asyncio.wait_for(waiting[message_id], reply_timeout_s)
            except asyncio.TimeoutError:
                unanswered += 1
                sys.stderr.write(f"(no reply within {reply_timeout_s:.0f} s; is a worker running?)\n")
            waiting.pop(message_id, None)
    return unanswered


def _inbound(name: str, message_id: str, text: str, garbled: bool) -> Inbound:
    """A typed line; ``/voice path/to/note.ogg`` sends that audio file as a voice note."""
    if text.startswith("/voice "):
        path = text.removeprefix("/voice ").strip()
        return Inbound(channel="console", address=name, message_id=message_id, kind=InboundKind.AUDIO, media_url=path)
    return Inbound(channel="console", address=name, message_id=message_id, text=text, garbled=garbled)
