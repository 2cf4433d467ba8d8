"""Sending through the Graph API emulator: the channel's requests and error mapping, media downloads, and the
sender agent's behaviours (24-hour window, rate limits, refused credentials) on both deployments."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from habla.channels.whatsapp.channel import WhatsAppChannel, parse
from habla.config import WhatsAppSettings
from habla.domain.messages import Inbound, InboundKind
from habla.errors import ChannelAuthError, ChannelError, ChannelRateLimited, MediaError, OutsideWindowError

DATA = Path(__file__).parent.parent / "data" / "whatsapp"
LEARNER = "16505551234"
VOICE = b"OggS\x00\x02" + bytes(range(256)) * 40  # ~10 KB standing in for an Opus voice note


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


async def test_up_to_three_short_choices_go_as_reply_buttons(graph, channel):
    await channel.send_choices(LEARNER, "¿Cómo se dice *apple*?", ["manzana", "naranja", "pera"], idempotency_key="q-1:0")
    [body] = graph.sent
    assert body["type"] == "interactive" and body["interactive"]["type"] == "button"
    assert body["interactive"]["body"] == {"text": "¿Cómo se dice *apple*?"}
    assert graph.choices() == [["manzana", "naranja", "pera"]]
    assert [b["reply"]["id"] for b in body["interactive"]["action"]["buttons"]] == ["1:manzana", "2:naranja", "3:pera"]
    assert body["biz_opaque_callback_data"] == "q-1:0"
    assert graph.texts() == ["¿Cómo se dice *apple*?"]  # what the learner reads


async def test_more_or_longer_choices_go_as_a_list_and_too_many_as_text(graph, channel):
    long_one = "una respuesta bastante larga"  # over a button's 20 characters
    await channel.send_choices(LEARNER, "Elige", ["sí", long_one], idempotency_key="q-2:0")
    await channel.send_choices(LEARNER, "Elige", [f"opción {n}" for n in range(1, 8)], idempotency_key="q-3:0")
    await channel.send_choices(LEARNER, "1. a\n2. b …", [str(n) for n in range(1, 12)], idempotency_key="q-4:0")
    first, second, third = graph.sent
    assert first["interactive"]["type"] == "list" and second["interactive"]["type"] == "list"
    assert graph.choices()[0] == ["sí", long_one[:23] + "…"]
    assert graph.choices()[1] == [f"opción {n}" for n in range(1, 8)]
    assert third["type"] == "text" and third["text"]["body"] == "1. a\n2. b …"  # 11 rows: WhatsApp shows at most 10


async def test_a_tapped_button_and_list_row_parse_to_their_titles():
    button = {"type": "button_reply", "button_reply": {"id": "2:naranja", "title": "naranja"}}
    row = {"type": "list_reply", "list_reply": {"id": "3:opción 3", "title": "opción 3"}}
    payload = {"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{"field": "messages", "value": {
        "messaging_product": "whatsapp", "metadata": {"display_phone_number": "1", "phone_number_id": "1"},
        "contacts": [{"profile": {"name": "L"}, "wa_id": LEARNER}],
        "messages": [{"from": LEARNER, "id": f"wamid.TAP{n}", "timestamp": "1700000000", "type": "interactive",
                      "interactive": reply} for n, reply in enumerate((button, row))]}}]}]}
    tapped = parse(json.dumps(payload).encode()).messages
    assert [(m.kind, m.text, m.extra["reply_id"]) for m in tapped] == [
        (InboundKind.INTERACTIVE, "naranja", "2:naranja"), (InboundKind.INTERACTIVE, "opción 3", "3:opción 3")]


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
