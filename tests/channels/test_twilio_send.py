"""The Twilio channel against the loopback Twilio emulator: fields, limits, error mapping, media both ways."""

from __future__ import annotations

import json
import os
import time

import httpx
import pytest

from habla.channels.twilio.outbox import MediaOutbox, normalise_mime
from habla.channels.twilio.channel import TwilioChannel, error_for
from habla.config import TwilioSettings
from habla.domain.messages import Inbound, InboundKind
from habla.errors import (
    ChannelAuthError,
    ChannelError,
    ChannelRateLimited,
    MediaError,
    OutsideWindowError,
)
from habla_testkit.emulators.twilio import ACCOUNT_SID, AUTH_TOKEN, FROM, TwilioEmulator

LEARNER = "+34600111222"


@pytest.fixture
def emulator():
    with TwilioEmulator() as emu:
        yield emu


@pytest.fixture
async def make_channel(emulator, tmp_path):
    made = []

    def make(public_url: str | None = "https://habla.example", **overrides) -> TwilioChannel:
        values = {
            "account_sid": ACCOUNT_SID,
            "auth_token": AUTH_TOKEN,
            "from": FROM,
            "api_base": emulator.url,
            **overrides,
        }
        channel = TwilioChannel(
            TwilioSettings(**values), public_url=public_url, outbox=MediaOutbox(tmp_path / "media")
        )
        made.append(channel)
        return channel

    yield make
    for channel in made:
        await channel.aclose()


async def test_text_goes_out_with_whatsapp_addresses_and_basic_auth(make_channel, emulator):
    channel = make_channel()
    await channel.send_text(LEARNER, "¡Hola, Ana!", idempotency_key="o1:0")
    [sent] = emulator.sent
    assert sent["From"] == FROM and sent["To"] == f"whatsapp:{LEARNER}" and sent["Body"] == "¡Hola, Ana!"
    assert channel.name == "twilio" and channel.hard_limit == 1600


async def test_a_from_without_prefix_gets_one_and_a_messaging_service_is_used_as_such(make_channel, emulator):
    await make_channel(**{"from": "+14155238886"}).send_text(LEARNER, "a", idempotency_key="k")
    await make_channel(**{"from": "MG" + "0" * 32}).send_text(LEARNER, "b", idempotency_key="k")
    assert emulator.sent[0]["From"] == "whatsapp:+14155238886"
    assert emulator.sent[1]["MessagingServiceSid"] == "MG" + "0" * 32 and "From" not in emulator.sent[1]


async def test_body_limit(make_channel, emulator):
    channel = make_channel()
    await channel.send_text(LEARNER, "a" * 1600, idempotency_key="k")
    with pytest.raises(ChannelError):
        await channel.send_text(LEARNER, "a" * 1601, idempotency_key="k")
    assert len(emulator.requests) == 1  # the long one never left


@pytest.mark.parametrize(
    "kind, error, retry",
    [
        ("63016", OutsideWindowError, None),
        ("20429", ChannelRateLimited, 2.0),  # Retry-After: 2
        ("429", ChannelRateLimited, 1.0),  # no body, no Retry-After: the default
        ("63018", ChannelRateLimited, 1.0),
        ("20003", ChannelAuthError, None),
        ("500", ChannelError, None),
    ],
)
async def test_each_documented_error_is_mapped(make_channel, emulator, kind, error, retry):
    channel = make_channel()
    emulator.script([kind, kind])
    for _ in range(2):  # scripted for the next two calls …
        with pytest.raises(error) as raised:
            await channel.send_text(LEARNER, "Hola", idempotency_key="k")
        assert type(raised.value) is error
        if retry is not None:
            assert raised.value.retry_after_s == retry
        assert LEARNER not in str(raised.value)
    await channel.send_text(LEARNER, "Hola", idempotency_key="k")  # … then accepted
    assert len(emulator.sent) == 1


async def test_wrong_credentials_are_an_auth_error_that_says_what_to_fix(make_channel, emulator):
    channel = make_channel(auth_token="not-the-token")
    with pytest.raises(ChannelAuthError) as raised:
        await channel.send_text(LEARNER, "Hola", idempotency_key="k")
    assert "HABLA_TWILIO__AUTH_TOKEN" in str(raised.value)
    assert emulator.sent == []


async def test_timeout_and_unreachable_are_channel_errors(make_channel, emulator):
    emulator.timeout_sleep_s = 2.0
    emulator.script(["timeout"])
    with pytest.raises(ChannelError) as raised:
        await make_channel(send_timeout_s=0.2).send_text(LEARNER, "Hola", idempotency_key="k")
    assert "in time" in str(raised.value)
    with pytest.raises(ChannelError) as raised:
        await make_channel(api_base="http://127.0.0.1:1").send_text(LEARNER, "Hola", idempotency_key="k")
    assert "unreachable" in str(raised.value)


async def test_template_uses_the_configured_content_sid(make_channel, emulator):
    channel = make_channel(reengagement_content_sid="HX" + "a" * 32)
    await channel.send_template(LEARNER, idempotency_key="k")
    await channel.send_template(LEARNER, idempotency_key="k", variables={"1": "Ana"})
    assert emulator.sent[0]["ContentSid"] == "HX" + "a" * 32 and "Body" not in emulator.sent[0]
    assert json.loads(emulator.sent[1]["ContentVariables"]) == {"1": "Ana"}
    with pytest.raises(ChannelError) as raised:
        await make_channel().send_template(LEARNER, idempotency_key="k")
    assert "HABLA_TWILIO__REENGAGEMENT_CONTENT_SID" in str(raised.value)


async def test_no_read_receipts_on_twilio(make_channel, emulator):
    # The conversation agent publishes receipts only for channels that can show them.
    assert getattr(make_channel(), "mark_read", None) is None
    assert emulator.requests == []


async def test_audio_and_image_are_published_under_an_unguessable_url(make_channel, emulator, tmp_path):
    channel = make_channel()
    await channel.send_audio(LEARNER, b"OggS voice", "audio/ogg; codecs=opus", idempotency_key="k")
    await channel.send_image(LEARNER, b"\x89PNG card", "image/png", "Tarjeta", idempotency_key="k")
    audio, image = emulator.sent
    assert image["Body"] == "Tarjeta" and "Body" not in audio
    outbox = MediaOutbox(tmp_path / "media")
    for sent, data, mime in ((audio, b"OggS voice", "audio/ogg"), (image, b"\x89PNG card", "image/png")):
        prefix = "https://habla.example/media/twilio/"
        assert sent["MediaUrl"].startswith(prefix)
        token = sent["MediaUrl"].removeprefix(prefix)
        path, stored_mime = outbox.get(token)
        assert path.read_bytes() == data and stored_mime == mime
    assert audio["MediaUrl"] != image["MediaUrl"]


async def test_media_needs_a_public_url_and_a_sane_size_and_type(make_channel, emulator):
    with pytest.raises(ChannelError):
        await make_channel(public_url=None).send_audio(LEARNER, b"x", "audio/ogg", idempotency_key="k")
    with pytest.raises(ChannelError):
        await make_channel(media_max_bytes=10).send_audio(LEARNER, b"x" * 11, "audio/ogg", idempotency_key="k")
    with pytest.raises(ChannelError):
        await make_channel().send_audio(LEARNER, b"x", "audio/ogg\r\nX-Evil: 1", idempotency_key="k")
    assert emulator.requests == []


# media from learners


def voice_note(url: str) -> Inbound:
    return Inbound(
        channel="twilio", address=LEARNER, message_id="MM1", kind=InboundKind.AUDIO,
        media_url=url, media_id=url, media_mime="audio/ogg",
    )


@pytest.mark.parametrize("chunked", [False, True])
async def test_download_follows_the_redirect_with_basic_auth_only_at_twilio(make_channel, emulator, chunked):
    data = os.urandom(50_000)
    url = emulator.add_media(data, "audio/ogg", chunked=chunked)
    assert await make_channel().download_media(voice_note(url)) == (data, "audio/ogg")
    api, cdn = emulator.media_requests[:2]
    assert api["authorized"] and not cdn["authorized"]


async def test_download_size_limit_with_and_without_content_length(make_channel, emulator):
    channel = make_channel(media_max_bytes=10_000)
    for chunked in (False, True):
        url = emulator.add_media(b"x" * 10_001, "audio/ogg", chunked=chunked)
        with pytest.raises(MediaError) as raised:
            await channel.download_media(voice_note(url))
        assert "10000" in str(raised.value)
    url = emulator.add_media(b"x" * 10_000, "audio/ogg", chunked=True)
    assert len((await channel.download_media(voice_note(url)))[0]) == 10_000


async def test_download_timeout_refusal_and_gone(make_channel, emulator):
    slow = emulator.add_media(b"x", "audio/ogg", delay_s=2.0)
    with pytest.raises(MediaError) as raised:
        await make_channel(media_timeout_s=0.3).download_media(voice_note(slow))
    assert "0.3 s" in str(raised.value) or "Timeout" in str(raised.value)
    url = emulator.add_media(b"x", "audio/ogg")
    with pytest.raises(MediaError) as raised:
        await make_channel(auth_token="wrong").download_media(voice_note(url))
    assert "refused" in str(raised.value)
    with pytest.raises(MediaError):
        await make_channel().download_media(voice_note(url.rsplit("/", 1)[0] + "/ME" + "0" * 32))
    with pytest.raises(MediaError):
        await make_channel().download_media(voice_note(""))


async def test_credentials_never_go_to_another_origin(make_channel, emulator):
    """A media URL on a host other than the API base is fetched without the account's credentials."""
    url = emulator.add_media(b"abc", "image/jpeg")
    media_sid = url.rsplit("/", 1)[-1]
    data, mime = await make_channel().download_media(voice_note(f"{emulator.cdn.url}/cdn/{media_sid}"))
    assert data == b"abc" and mime == "image/jpeg"
    assert emulator.media_requests[-1] == {"path": f"/cdn/{media_sid}", "authorized": False}


# helpers


def test_error_for_unparseable_bodies_and_retry_after():
    html = httpx.Response(502, text="<html>Bad Gateway</html>")
    assert type(error_for(html)) is ChannelError
    assert type(error_for(httpx.Response(401, text=""))) is ChannelAuthError
    assert type(error_for(httpx.Response(400, json={"code": 21211, "status": 400}))) is ChannelError
    limited = error_for(httpx.Response(429, headers={"retry-after": "7"}, json={"code": 20429, "status": 429}))
    assert isinstance(limited, ChannelRateLimited) and limited.retry_after_s == 7.0
    unreadable = error_for(httpx.Response(429, headers={"retry-after": "soon"}, json={"code": 20429, "status": 429}))
    assert unreadable.retry_after_s == 1.0  # the default wait


def test_outbox_tokens_expiry_and_pruning(tmp_path):
    outbox = MediaOutbox(tmp_path, max_age_s=60)
    token = outbox.put(b"data", "audio/ogg")
    assert len(token) == 43 and outbox.get(token)[1] == "audio/ogg"
    for bad in ("", "../../etc/passwd", token[:-1], token + ".type", "." + token[1:], token + "\n"):
        assert outbox.get(bad) is None
    old = time.time() - 120
    os.utime(outbox.folder / token, (old, old))
    os.utime(outbox.folder / f"{token}.type", (old, old))
    assert outbox.get(token) is None
    fresh = outbox.put(b"new", "image/png")
    assert outbox.prune() == 2  # the expired pair; put prunes at most every ten minutes
    assert MediaOutbox(tmp_path, max_age_s=60).prune() == 0
    assert sorted(p.name for p in outbox.folder.iterdir()) == sorted([fresh, f"{fresh}.type"])


@pytest.mark.parametrize("mime, expected", [("Audio/OGG; codecs=opus", "audio/ogg"), ("image/png", "image/png")])
def test_mime_normalisation(mime, expected):
    assert normalise_mime(mime) == expected


@pytest.mark.parametrize("mime", ["", "audio", "audio/ogg\nX: 1", "a/b/c", "audio/ og g"])
def test_mime_refusals(mime):
    with pytest.raises(ChannelError):
        normalise_mime(mime)
