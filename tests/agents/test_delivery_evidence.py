"""Delivery evidence (issue 9, item 3): a chunk the provider took before the worker died is not sent again.

The crash is played exactly in the window that used to cost a duplicate: the channel hands the chunk to the
emulated provider (which accepts it and posts its status webhooks to Habla, as Meta and Twilio do), then the
"worker" dies before it writes the delivery row. The redelivery that follows (what a worker taking over
does) must find the provider's evidence and send only what is missing. Real webhook routes (Habla serving on
loopback), the real bus and store of each deployment.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from urllib.parse import parse_qs, urlsplit

import pytest

from habla.agents import sender
from habla.bus.base import Envelope
from habla.domain.messages import Flashcard, Outbound
from habla.errors import ChannelError
from habla.services import build_services
from habla_testkit.emulators.graph import GraphEmulator
from habla_testkit.emulators.twilio import ACCOUNT_SID, AUTH_TOKEN, FROM, TwilioEmulator
from habla_testkit.processes import free_port
from tests.web.server import HablaServer

APP_SECRET = "app-secret-for-evidence-tests"
WA_LEARNER = "34600555111"
TWILIO_LEARNER = "+34600555222"


class WorkerKilled(BaseException):
    """What SIGKILL looks like from inside: no except clause runs."""


class DiesAfterSending:
    """The real channel, but the worker dies right after the provider accepted the first text (or, with
    ``images``, the first image: the text before it goes through)."""

    def __init__(self, channel, images: bool = False) -> None:
        self._channel, self._images = channel, images
        self.name, self.hard_limit = channel.name, channel.hard_limit
        self.reports_delivery = getattr(channel, "reports_delivery", False)

    async def send_text(self, address: str, text: str, *, idempotency_key: str) -> None:
        await self._channel.send_text(address, text, idempotency_key=idempotency_key)
        if not self._images:
            raise WorkerKilled()

    async def send_image(self, address: str, data: bytes, mime: str = "image/png", caption: str | None = None, *,
                         idempotency_key: str) -> None:
        await self._channel.send_image(address, data, mime, caption, idempotency_key=idempotency_key)
        raise WorkerKilled()

    async def aclose(self) -> None: ...


@contextlib.contextmanager
def provider(name: str, port: int, *, statuses: bool):
    """(emulator, settings overrides, sends: list of (idempotency key, text) the provider accepted)."""
    url = f"http://127.0.0.1:{port}"
    if name == "whatsapp":
        with GraphEmulator() as graph:
            if statuses:
                graph.post_statuses_to(f"{url}/webhooks/whatsapp", APP_SECRET)
            overrides = {"whatsapp": graph.settings(app_secret=APP_SECRET)}
            yield graph, overrides, lambda: [(b["biz_opaque_callback_data"], b["text"]["body"]) for b in graph.sent]
    else:
        with TwilioEmulator() as twilio:
            twilio.callback_statuses = ("sent", "delivered") if statuses else ()
            overrides = {"twilio": {"account_sid": ACCOUNT_SID, "auth_token": AUTH_TOKEN, "from": FROM,
                                    "api_base": twilio.url}, "public_url": url}
            yield twilio, overrides, lambda: [(_key_of(f["StatusCallback"]), f["Body"]) for f in twilio.sent]


def _key_of(status_callback: str) -> str:
    return parse_qs(urlsplit(status_callback).query)["habla_key"][0]


def _reply(channel: str, address: str) -> tuple[Outbound, Envelope]:
    outbound = Outbound(channel=channel, address=address, chunks=["primero", "segundo"], answers_message_at=time.time())
    envelope = Envelope(topic=f"outbound.{channel}", key=outbound.learner_key, payload=outbound.model_dump(mode="json"), id="1-0")
    return outbound, envelope


async def _crash_then_take_over(settings, channel: str, address: str) -> Outbound:
    services = await build_services(settings)
    try:
        await services.store.learner(channel, address)
        real = services.channels[channel]
        outbound, envelope = _reply(channel, address)
        services.channels[channel] = DiesAfterSending(real)
        with pytest.raises(WorkerKilled):
            await sender.handle(envelope, services)
        assert await services.store.delivered_chunks(outbound.outbound_id) == set()  # died before the row
        services.channels[channel] = real
        await sender.handle(envelope, services)  # the redelivery, as the worker taking over runs it
        return outbound
    finally:
        await services.aclose()


@pytest.mark.parametrize("channel", ["whatsapp", "twilio"])
async def test_a_chunk_the_provider_took_is_not_sent_again_after_a_crash(make_settings, channel):
    port = free_port()
    address = WA_LEARNER if channel == "whatsapp" else TWILIO_LEARNER
    with provider(channel, port, statuses=True) as (_emulator, overrides, sends):
        settings = make_settings(**overrides)
        with HablaServer(settings, port=port, agents=["sender"]):  # the webhooks, and the evidence consumer
            outbound = await _crash_then_take_over(settings, channel, address)
        assert sends() == [(f"{outbound.outbound_id}:0", "primero"), (f"{outbound.outbound_id}:1", "segundo")]


@pytest.mark.parametrize("channel", ["whatsapp", "twilio"])
async def test_without_evidence_the_chunk_is_sent_again_after_the_wait(make_settings, channel):
    """No status ever comes (the provider lost it, or never took the chunk): a reply is never lost."""
    port = free_port()
    address = WA_LEARNER if channel == "whatsapp" else TWILIO_LEARNER
    with provider(channel, port, statuses=False) as (_emulator, overrides, sends):
        settings = make_settings(**overrides, channels={"delivery_evidence_wait_s": 0.5})
        with HablaServer(settings, port=port, agents=["sender"]):
            outbound = await _crash_then_take_over(settings, channel, address)
        first, second = f"{outbound.outbound_id}:0", f"{outbound.outbound_id}:1"
        assert sends() == [(first, "primero"), (first, "primero"), (second, "segundo")]


async def test_a_refused_send_is_retried_without_waiting_for_evidence(make_settings):
    """A send the provider refused leaves no "sending" claim: its retry goes out at once."""
    port = free_port()
    with provider("whatsapp", port, statuses=True) as (graph, overrides, sends):
        settings = make_settings(**overrides, channels={"delivery_evidence_wait_s": 600})
        services = await build_services(settings)
        try:
            await services.store.learner("whatsapp", WA_LEARNER)
            outbound, envelope = _reply("whatsapp", WA_LEARNER)
            graph.fail_next("500")
            with pytest.raises(ChannelError):  # Meta's 500: refused, nothing went out
                await sender.handle(envelope, services)
            # at once: waiting for evidence would take the configured 600 s
            await asyncio.wait_for(sender.handle(envelope, services), 60)
        finally:
            await services.aclose()
        assert [text for _, text in sends()] == ["primero", "segundo"]


def _image_keys(channel: str, emulator) -> list[str]:
    if channel == "whatsapp":
        return [body["biz_opaque_callback_data"] for body in emulator.sent if body.get("type") == "image"]
    return [_key_of(form["StatusCallback"]) for form in emulator.sent if form.get("MediaUrl")]


@pytest.mark.parametrize("channel", ["whatsapp", "twilio"])
async def test_a_flashcard_the_provider_took_is_not_sent_again_after_a_crash(make_settings, channel):
    """Images (and voice notes) go through the same claim and evidence as text: a crash costs no second card."""
    port = free_port()
    address = WA_LEARNER if channel == "whatsapp" else TWILIO_LEARNER
    with provider(channel, port, statuses=True) as (emulator, overrides, _sends):
        settings = make_settings(**overrides)
        with HablaServer(settings, port=port, agents=["sender"]):
            services = await build_services(settings)
            try:
                await services.store.learner(channel, address)
                outbound = Outbound(channel=channel, address=address, chunks=["tus palabras"],
                                    cards=[Flashcard(word="la manzana", translation="the apple")],
                                    answers_message_at=time.time())
                envelope = Envelope(topic=f"outbound.{channel}", key=outbound.learner_key,
                                    payload=outbound.model_dump(mode="json"), id="1-0")
                real = services.channels[channel]
                services.channels[channel] = DiesAfterSending(real, images=True)
                with pytest.raises(WorkerKilled):
                    await sender.handle(envelope, services)
                assert await services.store.delivered_chunks(outbound.outbound_id) == {0}  # the text, not the card
                services.channels[channel] = real
                await sender.handle(envelope, services)
            finally:
                await services.aclose()
        assert _image_keys(channel, emulator) == [f"{outbound.outbound_id}:1"]
