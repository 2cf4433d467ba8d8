"""Sending through the Graph API emulator: the channel's requests and error mapping, media downloads, and the
sender agent's behaviours (24-hour window, rate limits, refused credentials) on both deployments."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from pathlib import Path

import pytest

from habla.channels.whatsapp.channel import WhatsAppChannel, parse
from habla.config import WhatsAppSettings
from habla.domain.messages import Inbound, InboundKind, Outbound, OutboundKind
from habla.errors import ChannelAuthError, ChannelError, ChannelRateLimited, MediaError, OutsideWindowError
from habla.runtime import running
from tests.bus.support import wait_until
from tests.emulators.graph import GraphEmulator

DATA = Path(__file__).parent.parent / "data" / "whatsapp"
LEARNER = "16505551234"
VOICE = b"OggS\x00\x02" + bytes(range(256)) * 40  # ~10 KB standing in for an Opus voice note


@pytest.fixture
def graph():
    with GraphEmulator() as emulator:
        yield emulator


@pytest.fixture
async def channel(graph):
    whatsapp = WhatsAppChannel(WhatsAppSettings(**graph.settings()), rate_limit_wait_s=0.01)
    yield whatsapp
    await whatsapp.aclose()


# -- the channel against the emulator -----------------------------------------------------------------------


async def test_text_goes_to_the_messages_endpoint_with_the_documented_body(graph, channel):
    await channel.send_text(LEARNER, "¡Hola! ¿Qué tal?", idempotency_key="out-1:0")
    [body] = graph.sent
    assert body["messaging_product"] == "whatsapp" and body["recipient_type"] == "individual"
    assert (body["to"], body["type"], body["text"]["body"]) == (LEARNER, "text", "¡Hola! ¿Qué tal?")
    assert body["biz_opaque_callback_data"] == "out-1:0"


async def test_read_receipt_shows_the_typing_indicator(graph, channel):
    await channel.mark_read("wamid.ABC")
    assert graph.receipts == [
        {"messaging_product": "whatsapp", "status": "read", "message_id": "wamid.ABC", "typing_indicator": {"type": "text"}}
    ]
    assert graph.sent == []


async def test_template_defaults_to_the_configured_one(graph, channel):
    await channel.send_template(LEARNER, idempotency_key="t-1")
    [body] = graph.sent
    assert body["type"] == "template" and body["template"] == {"name": "habla_reengage", "language": {"code": "en"}}
    with pytest.raises(ChannelError):  # a name Meta never approved
        await channel.send_template(LEARNER, "not_approved", idempotency_key="t-2")


async def test_voice_note_is_uploaded_then_sent_as_a_voice_message(graph, channel):
    await channel.send_audio(LEARNER, VOICE, idempotency_key="v-1")
    [(media_id, (data, mime))] = graph.uploads.items()
    assert data == VOICE and mime == "audio/ogg"
    [body] = graph.sent
    assert body["type"] == "audio" and body["audio"] == {"id": media_id, "voice": True}


async def test_image_with_caption(graph, channel):
    await channel.send_image(LEARNER, b"\x89PNG\r\n\x1a\n" + b"0" * 100, "image/png", "la manzana", idempotency_key="i-1")
    [body] = graph.sent
    assert body["type"] == "image" and body["image"]["caption"] == "la manzana"
    assert graph.uploads[body["image"]["id"]][1] == "image/png"


async def test_the_emulator_refuses_a_text_over_the_hard_limit(graph, channel):
    assert channel.hard_limit == 4096
    await channel.send_text(LEARNER, "a" * 4096, idempotency_key="k0")
    with pytest.raises(ChannelError) as caught:
        await channel.send_text(LEARNER, "a" * 4097, idempotency_key="k1")
    assert type(caught.value) is ChannelError and "code=100" in str(caught.value)


@pytest.mark.parametrize(
    "kind, error",
    [("131047", OutsideWindowError), ("131056", ChannelRateLimited), ("130429", ChannelRateLimited),
     ("429", ChannelRateLimited), ("190", ChannelAuthError), ("500", ChannelError)],
)
async def test_graph_errors_are_mapped(graph, channel, kind, error):
    graph.fail_next(kind)
    with pytest.raises(error) as caught:
        await channel.send_text(LEARNER, "hola", idempotency_key="k")
    if error is ChannelError:  # a server error is retryable, not one of the special cases
        assert not isinstance(caught.value, (OutsideWindowError, ChannelRateLimited, ChannelAuthError))
    if error is ChannelRateLimited:
        assert caught.value.retry_after_s == 0.01
    assert graph.access_token not in str(caught.value)


async def test_a_wrong_token_is_an_auth_error_and_is_never_in_the_message(graph):
    whatsapp = WhatsAppChannel(WhatsAppSettings(**graph.settings(access_token="revoked-token-123")))
    try:
        with pytest.raises(ChannelAuthError) as caught:
            await whatsapp.send_text(LEARNER, "hola", idempotency_key="k")
        assert "revoked-token-123" not in str(caught.value)
    finally:
        await whatsapp.aclose()


async def test_unreachable_graph_is_a_retryable_channel_error():
    whatsapp = WhatsAppChannel(WhatsAppSettings(access_token="t", phone_number_id="1", api_base="http://127.0.0.1:9"))
    try:
        with pytest.raises(ChannelError) as caught:
            await whatsapp.send_text(LEARNER, "hola", idempotency_key="k")
        assert type(caught.value) is ChannelError
    finally:
        await whatsapp.aclose()


# -- media download -------------------------------------------------------------------------------------------


def _note(media_id: str) -> Inbound:
    return Inbound(channel="whatsapp", address="34600000000", message_id="wamid.note", kind=InboundKind.AUDIO, media_id=media_id)


async def test_a_webhook_voice_note_is_downloaded(graph, channel):
    [voice] = parse((DATA / "audio_voice.json").read_bytes()).messages
    graph.add_media(VOICE, "audio/ogg", media_id=voice.media_id)
    data, mime = await channel.download_media(voice)
    assert data == VOICE and mime == "audio/ogg"
    assert graph.downloads == [(voice.media_id, 200)]


async def test_an_expired_media_url_is_resolved_again_once(graph, channel):
    media_id = graph.add_media(VOICE)
    graph.expire_next_download(media_id)
    data, _ = await channel.download_media(_note(media_id))
    assert data == VOICE
    assert graph.media_lookups == [media_id, media_id] and graph.downloads == [(media_id, 404), (media_id, 200)]


async def test_a_media_url_refused_twice_is_a_media_error(graph, channel):
    media_id = graph.add_media(VOICE)
    graph.expire_next_download(media_id, times=5)
    with pytest.raises(MediaError):
        await channel.download_media(_note(media_id))
    assert len(graph.downloads) == 2  # resolved again once, not forever


@pytest.mark.parametrize("how", ["file_size", "content_length", "streamed"])
async def test_media_over_the_size_limit_is_refused(graph, how):
    graph.report_file_size = how == "file_size"
    graph.omit_content_length = how == "streamed"
    media_id = graph.add_media(VOICE)
    whatsapp = WhatsAppChannel(WhatsAppSettings(**graph.settings(media_max_bytes=4096)))
    try:
        with pytest.raises(MediaError, match="limit"):
            await whatsapp.download_media(_note(media_id))
    finally:
        await whatsapp.aclose()
    assert graph.downloads == ([] if how == "file_size" else [(media_id, 200)])


async def test_a_slow_download_times_out(graph):
    graph.download_stall_s = 3.0
    media_id = graph.add_media(VOICE)
    whatsapp = WhatsAppChannel(WhatsAppSettings(**graph.settings(media_timeout_s=0.2)))
    try:
        with pytest.raises(MediaError, match="longer than"):
            await whatsapp.download_media(_note(media_id))
    finally:
        await whatsapp.aclose()


async def test_unknown_media_is_a_media_error(channel):
    with pytest.raises(MediaError):
        await channel.download_media(_note("404404404"))


# -- the sender agent on both deployments ---------------------------------------------------------------------


@contextlib.asynccontextmanager
async def sender(settings):
    """The real services with only the sender agent running, and a channel that waits briefly on rate limits."""
    tuned = {"whatsapp": WhatsAppChannel(settings.whatsapp, rate_limit_wait_s=0.01)}
    async with running(settings, ["sender"], channels=tuned) as runtime:
        yield runtime.services


async def wrote_at(services, at: float | None) -> None:
    learner = await services.store.learner("whatsapp", LEARNER, None)
    if at is not None:
        await services.store.touch_learner(learner.id, at)


async def publish(services, chunks: list[str], outbound_id: str | None = None, kind=OutboundKind.REPLY) -> Outbound:
    outbound = Outbound(channel="whatsapp", address=LEARNER, chunks=chunks, in_reply_to="wamid.IN", kind=kind,
                        **({"outbound_id": outbound_id} if outbound_id else {}))
    await services.bus.publish("outbound.whatsapp", outbound.learner_key, outbound.model_dump(mode="json"))
    return outbound


async def test_within_the_window_the_reply_goes_out_as_text(make_settings, graph):
    async with sender(make_settings(whatsapp=graph.settings())) as services:
        await wrote_at(services, time.time() - 60)
        await publish(services, ["uno", "dos"])
        await wait_until(lambda: len(graph.sent) == 2, what="two chunks")
    assert graph.texts() == ["uno", "dos"]


@pytest.mark.parametrize("last_message", ["25 hours ago", "never"])
async def test_outside_the_window_only_the_template_goes_out(make_settings, graph, last_message):
    async with sender(make_settings(whatsapp=graph.settings())) as services:
        await wrote_at(services, time.time() - 25 * 3600 if last_message == "25 hours ago" else None)
        outbound = await publish(services, ["esto no debe salir"])
        await wait_until(lambda: graph.sent, what="the template")
        await publish(services, ["esto no debe salir"], outbound_id=outbound.outbound_id)  # a redelivery
        await publish(services, [], kind=OutboundKind.RECEIPT)  # a marker: everything before it was handled
        await wait_until(lambda: graph.receipts, what="the receipt after the redelivery")
    assert [body["type"] for body in graph.sent] == ["template"]
    assert graph.sent[0]["template"]["name"] == "habla_reengage" and graph.texts() == []


async def test_one_template_per_closed_window_however_many_replies_wait(make_settings, graph):
    async with sender(make_settings(whatsapp=graph.settings())) as services:
        await wrote_at(services, time.time() - 25 * 3600)
        for n in range(3):
            await publish(services, [f"respuesta {n}"])
        await publish(services, [], kind=OutboundKind.RECEIPT)  # a marker: everything before it was handled
        await wait_until(lambda: graph.receipts, what="the marker receipt")
        assert [body["type"] for body in graph.sent] == ["template"]
        await wrote_at(services, time.time() - 25 * 3600 + 60)  # they wrote (long ago too): a new window
        await publish(services, ["otra"])
        await wait_until(lambda: len(graph.sent) == 2, what="the second window's template")
    assert [body["type"] for body in graph.sent] == ["template", "template"] and graph.texts() == []


async def test_a_re_engagement_error_sends_the_template_instead(make_settings, graph):
    async with sender(make_settings(whatsapp=graph.settings())) as services:
        await wrote_at(services, time.time() - 60)  # our records say open; Meta knows better
        graph.fail_next("131047")
        await publish(services, ["hola", "adiós"])
        await wait_until(lambda: graph.sent, what="the template")
        await publish(services, [], kind=OutboundKind.RECEIPT)
        await wait_until(lambda: graph.receipts, what="the marker receipt")
        assert await services.bus.dead_letters("outbound.whatsapp") == []
    assert [body["type"] for body in graph.sent] == ["template"]
    assert graph.attempts() == 2  # the refused text, then the template; the second chunk was never tried


async def test_rate_limits_are_waited_out_in_place_and_keep_the_order(make_settings, graph):
    async with sender(make_settings(whatsapp=graph.settings())) as services:
        await wrote_at(services, time.time() - 60)
        graph.fail_next("131056", times=2)
        graph.fail_next("130429", times=1)
        for n in range(1, 4):
            await publish(services, [f"{n}a", f"{n}b"])
        await wait_until(lambda: len(graph.sent) == 6, what="all six chunks")
        assert await services.bus.dead_letters("outbound.whatsapp") == []
    assert graph.texts() == ["1a", "1b", "2a", "2b", "3a", "3b"]
    assert graph.attempts() == 9 and len(graph.sent) == 6  # three refused attempts, nothing sent twice


async def test_a_refused_token_is_one_attempt_and_one_loud_log(make_settings, graph, caplog):
    caplog.set_level(logging.INFO)
    async with sender(make_settings(whatsapp=graph.settings())) as services:
        await wrote_at(services, time.time() - 60)
        graph.fail_next("190", times=100)
        await publish(services, ["hola", "adiós"])
        await wait_until(lambda: services.bus.dead_letters("outbound.whatsapp"), what="the dead letter")
        [letter] = await services.bus.dead_letters("outbound.whatsapp")
    assert graph.attempts() == 1 and graph.sent == []
    assert letter.attempt == 1 and "PermanentError" in letter.error
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR and r.name == "habla.agents.sender"]
    assert len(errors) == 1 and "credentials" in errors[0].getMessage()
    assert graph.access_token not in caplog.text and LEARNER not in caplog.text


async def test_a_failed_read_receipt_never_blocks_the_reply(make_settings, graph):
    async with sender(make_settings(whatsapp=graph.settings())) as services:
        await wrote_at(services, time.time() - 60)
        graph.fail_next_receipt("500")
        await publish(services, [], kind=OutboundKind.RECEIPT)
        await publish(services, ["la respuesta"])
        await wait_until(lambda: graph.sent, what="the reply")
        assert await services.bus.dead_letters("outbound.whatsapp") == []
    assert graph.texts() == ["la respuesta"] and graph.receipts == []
