"""Media URLs are fetched only from the provider's media hosts, on every hop (issue 9, item 12): a hostile
MediaUrl0, a redirect off Twilio, or a Graph lookup pointing elsewhere is refused before any request leaves,
so neither our network nor the access token is handed to a stranger."""

from __future__ import annotations

import pytest
from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response

from habla.channels.media_hosts import GRAPH_MEDIA_HOSTS, TWILIO_MEDIA_HOSTS, check_media_url
from habla.channels.twilio.channel import TwilioChannel
from habla.channels.twilio.outbox import MediaOutbox
from habla.channels.whatsapp.channel import WhatsAppChannel
from habla.config import TwilioSettings, WhatsAppSettings
from habla.domain.messages import Inbound, InboundKind
from habla.errors import MediaError
from habla_testkit.emulators.graph import GraphEmulator
from habla_testkit.emulators.threaded import ThreadedServer
from habla_testkit.emulators.twilio import ACCOUNT_SID, AUTH_TOKEN, FROM, TwilioEmulator


class Stranger(ThreadedServer):
    """A server that is not the provider: records whatever reaches it, and can bounce requests elsewhere."""

    def __init__(self) -> None:
        self.seen: list[dict] = []
        self.bounce_to: str | None = None
        app = FastAPI()

        @app.get("/{path:path}")
        async def anything(path: str, request: Request) -> Response:
            self.seen.append({"path": path, "authorization": request.headers.get("authorization")})
            if self.bounce_to:
                return RedirectResponse(self.bounce_to, status_code=302)
            return Response(b"OggS" + b"\0" * 100, media_type="audio/ogg")

        super().__init__(app)

    @property
    def other_host_url(self) -> str:
        return f"http://localhost:{self.port}"  # the same server, under a host name that is not the API's


def note(channel: str, media_url: str | None = None, media_id: str | None = None) -> Inbound:
    return Inbound(channel=channel, address="+34600111222", message_id="M1", kind=InboundKind.AUDIO,
                   media_url=media_url, media_id=media_id or media_url, media_mime="audio/ogg")


@pytest.fixture
def stranger():
    with Stranger() as server:
        yield server


@pytest.fixture
def twilio(tmp_path):
    with TwilioEmulator() as emulator:
        settings = TwilioSettings(account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN, **{"from": FROM}, api_base=emulator.url)
        yield emulator, TwilioChannel(settings, public_url="https://habla.example", outbox=MediaOutbox(tmp_path))


async def test_twilio_media_url_on_another_host_is_not_fetched(twilio, stranger):
    _, channel = twilio
    with pytest.raises(MediaError, match="unexpected host"):
        await channel.download_media(note("twilio", f"{stranger.other_host_url}/2010-04-01/Accounts/{ACCOUNT_SID}/Media/ME1"))
    await channel.aclose()
    assert stranger.seen == []


async def test_a_redirect_off_twilio_is_not_followed(twilio, stranger):
    emulator, channel = twilio
    stranger.bounce_to = "http://localhost:1/internal-admin"  # where an attacker would like us to go
    # the first hop is allowed (same host as the API base, as Twilio's CDN is); its redirect is not
    with pytest.raises(MediaError, match="unexpected host"):
        await channel.download_media(note("twilio", f"{stranger.url}/cdn/ME1"))
    await channel.aclose()
    assert [hop["path"] for hop in stranger.seen] == ["cdn/ME1"]


async def test_twilio_redirect_to_its_cdn_still_works(twilio):
    emulator, channel = twilio
    url = emulator.add_media(b"OggS-voice", "audio/ogg")
    assert await channel.download_media(note("twilio", url)) == (b"OggS-voice", "audio/ogg")
    await channel.aclose()


async def test_graph_media_url_on_another_host_gets_no_bearer_token(stranger):
    with GraphEmulator() as graph:
        graph.media_url_base = stranger.other_host_url
        media_id = graph.add_media(b"OggS" + b"\0" * 100)
        channel = WhatsAppChannel(WhatsAppSettings(**graph.settings()))
        try:
            with pytest.raises(MediaError, match="unexpected host"):
                await channel.download_media(note("whatsapp", media_id=media_id))
        finally:
            await channel.aclose()
    assert stranger.seen == []


@pytest.mark.parametrize("url, hosts, ok", [
    ("https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1", TWILIO_MEDIA_HOSTS, True),
    ("https://mms.twiliocdn.com/AC1/abc", TWILIO_MEDIA_HOSTS, True),
    ("http://mms.twiliocdn.com/AC1/abc", TWILIO_MEDIA_HOSTS, False),  # not https
    ("https://s3-external-1.amazonaws.com/media.twiliocdn.com/AC1/abc", TWILIO_MEDIA_HOSTS, True),
    ("https://s3-external-1.amazonaws.com/someone-elses-bucket/x", TWILIO_MEDIA_HOSTS, False),
    ("https://twiliocdn.com.evil.example/x", TWILIO_MEDIA_HOSTS, False),
    ("https://eviltwiliocdn.com/x", TWILIO_MEDIA_HOSTS, False),
    ("https://169.254.169.254/latest/meta-data", TWILIO_MEDIA_HOSTS, False),
    ("https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=1", GRAPH_MEDIA_HOSTS, True),
    ("https://attacker.example/whatsapp_business/attachments/?mid=1", GRAPH_MEDIA_HOSTS, False),
    ("file:///etc/passwd", GRAPH_MEDIA_HOSTS, False),
])
def test_media_host_rule(url, hosts, ok):
    api = "https://api.twilio.com" if hosts is TWILIO_MEDIA_HOSTS else "https://graph.facebook.com/v21.0"
    if ok:
        check_media_url(url, hosts, api)
    else:
        with pytest.raises(MediaError):
            check_media_url(url, hosts, api)
