"""A JSON channel with no provider behind it: for integrations, load tests and the crash test.

Inbound:  POST /webhooks/simulator  {"from": "...", "id": "...", "text": "..."}
          a voice note: {"from", "id", "media_url": "data:audio/ogg;base64,...", "mime": "audio/ogg"}
          a tapped button or list row: {"from", "id", "text": "<its title>", "reply_id": "<its title>"}
Outbound: POST {callback_url}        {"to": "...", "text": "...", "idempotency_key": "..."}
          a voice note: {"to", "audio": "<base64>", "mime": "audio/ogg", "idempotency_key"}
          an image: {"to", "image": "<base64>", "mime": "image/png", "caption", "idempotency_key"}
          a question with choices: {"to", "text", "buttons": [...] (up to 3) or "list": [...], "idempotency_key"}
          one POST per chunk, in order; a resend of the same chunk (after a worker crash between sending
          and recording it) carries the same idempotency_key, so the receiver can drop it
"""

from __future__ import annotations

import base64
import hmac
import ipaddress
import json

import httpx

from habla.domain.inbound_text import decode_transport_bytes
from habla.domain.messages import Inbound, InboundKind
from habla.errors import ChannelError, SignatureError

NAME = "simulator"
MAX_ID = 191
MIN_PRODUCTION_TOKEN = 32  # characters; a shorter shared secret is guessable by a patient sender


def is_loopback(host: str | None) -> bool:
    """True for 127.0.0.0/8 and ::1 (a Unix socket or a test client reports no address: not loopback)."""
    try:
        return host is not None and ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False

MAX_BUTTONS = 3  # WhatsApp's reply buttons; more choices become a list


def verify(token: str | None, header: str | None) -> None:
    if token is None:
        return
    if not header:
        raise SignatureError("missing X-Habla-Token")
    if not hmac.compare_digest(token.encode(), header.encode()):
        raise SignatureError("wrong X-Habla-Token")


def parse(raw: bytes) -> Inbound:
    text, garbled = decode_transport_bytes(raw)
    try:
        body = json.loads(text)
    except RecursionError as exc:  # thousands of nested brackets: not a message, and no reason for a 500
        raise ChannelError("body is nested too deeply") from exc
    except ValueError as exc:
        raise ChannelError("body is not JSON") from exc
    if not isinstance(body, dict):
        raise ChannelError("body must be a JSON object")
    sender, message_id, message = body.get("from"), body.get("id"), body.get("text", "")
    if not isinstance(sender, str) or not sender or len(sender) > 128:
        raise ChannelError("'from' must be a non-empty string of at most 128 characters")
    if not isinstance(message_id, str) or not message_id or len(message_id) > MAX_ID:
        raise ChannelError(f"'id' must be a non-empty string of at most {MAX_ID} characters")
    if not isinstance(message, str):
        raise ChannelError("'text' must be a string")
    if _has_lone_surrogate(sender, message_id, message, body.get("media_url"), body.get("mime")):
        # JSON's \ud800 escapes decode to text that cannot be encoded (stored, logged, sent): refuse it here
        raise ChannelError("body holds an unpaired UTF-16 surrogate escape")
    media_url, mime = body.get("media_url"), body.get("mime")
    if media_url is not None or mime is not None:
        if not isinstance(media_url, str) or not media_url.startswith("data:"):
            raise ChannelError("'media_url' must be a data: URL")
        mime = mime if isinstance(mime, str) else media_url[5:].split(";")[0].split(",")[0]
        kind = InboundKind.AUDIO if mime.startswith("audio/") else InboundKind.UNSUPPORTED
        return Inbound(
            channel=NAME, address=sender, message_id=message_id, kind=kind, text=message, garbled=garbled,
            media_url=media_url, media_mime=mime[:128],
        )
    reply_id = body.get("reply_id")
    if reply_id is not None:
        if not isinstance(reply_id, str) or len(reply_id) > 256:
            raise ChannelError("'reply_id' must be a string of at most 256 characters")
        return Inbound(
            channel=NAME, address=sender, message_id=message_id, kind=InboundKind.INTERACTIVE, text=message,
            garbled=garbled, extra={"reply_type": "button", "reply_id": reply_id},
        )
    return Inbound(channel=NAME, address=sender, message_id=message_id, text=message, garbled=garbled)


def exposure_problem(environment: str, enabled: bool, token_set: bool, host: str) -> str | None:
    """Why serving on ``host`` would let anybody speak as any learner, or None. In production a simulator
    channel without a token must listen on loopback only (its callers are on the same machine)."""
    if environment != "production" or not enabled or token_set:
        return None
    if host in ("localhost",) or is_loopback(host):
        return None
    return (f"the simulator channel has no HABLA_SIMULATOR__TOKEN, so in production it may listen on loopback only, "
            f"not {host}: set a token of at least {MIN_PRODUCTION_TOKEN} characters, or unset "
            "HABLA_SIMULATOR__CALLBACK_URL, or serve on --host 127.0.0.1")


def _has_lone_surrogate(*values: object) -> bool:
    for value in values:
        if isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                return True
    return False


class SimulatorChannel:
    name = NAME
    hard_limit = 4096

    def __init__(self, callback_url: str, client: httpx.AsyncClient | None = None) -> None:
        self._url = callback_url
        self._client = client or httpx.AsyncClient(timeout=10.0)

    async def send_text(self, address: str, text: str, *, idempotency_key: str) -> None:
        await self._post({"to": address, "text": text, "idempotency_key": idempotency_key})

    async def send_audio(self, address: str, data: bytes, mime: str = "audio/ogg", *, idempotency_key: str) -> None:
        audio = base64.b64encode(data).decode()
        await self._post({"to": address, "audio": audio, "mime": mime, "idempotency_key": idempotency_key})

    async def send_image(
        self, address: str, data: bytes, mime: str = "image/png", caption: str | None = None, *, idempotency_key: str
    ) -> None:
        image = base64.b64encode(data).decode()
        await self._post({"to": address, "image": image, "mime": mime, "caption": caption, "idempotency_key": idempotency_key})

    async def send_choices(self, address: str, text: str, choices: list[str], *, idempotency_key: str) -> None:
        """WhatsApp's shapes: up to 3 reply buttons, more as a list."""
        kind = "buttons" if len(choices) <= MAX_BUTTONS else "list"
        await self._post({"to": address, "text": text, kind: list(choices), "idempotency_key": idempotency_key})

    async def _post(self, body: dict) -> None:
        try:
            response = await self._client.post(self._url, json=body)
        except httpx.HTTPError as exc:
            raise ChannelError(f"simulator callback unreachable: {type(exc).__name__}") from exc
        if response.status_code >= 300:
            raise ChannelError(f"simulator callback answered {response.status_code}")

    async def aclose(self) -> None:
        await self._client.aclose()
