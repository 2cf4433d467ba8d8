"""WhatsApp Cloud API: Meta's Graph API for sending, and its webhooks for receiving.

Receiving (framework-free, the route in api/whatsapp_routes.py only translates HTTP) lives in
``webhook``; the request bodies and the error mapping in ``graph_api``. This module is the
channel the sender agent talks to:

    POST {api_base}/{phone_number_id}/messages   text, read receipts + typing indicator, audio, image, template
    POST {api_base}/{phone_number_id}/media      upload (multipart), answers {"id": media id}
    GET  {api_base}/{media_id}                   {"url", "mime_type", "sha256", "file_size"}; then GET url

Every request carries the access token as a bearer header, and nothing here logs it, a phone number or
message text above DEBUG.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from typing import Any

import httpx

from habla.channels.whatsapp import graph_api as graph
from habla.channels.media_download import read_limited
from habla.channels.media_hosts import GRAPH_MEDIA_HOSTS, check_media_url
from habla.channels.whatsapp.webhook import (  # noqa: F401  (re-exported: the module's public face)
    NAME,
    MissingSignature,
    ParsedWebhook,
    Status,
    WrongSignature,
    log_failed_statuses,
    parse,
    verify_handshake,
    verify_signature,
)
from habla.config import WhatsAppSettings
from habla.domain.messages import Inbound
from habla.errors import ChannelAuthError, ChannelError, ChannelRateLimited, ConfigurationError, MediaError, MediaTooLarge

log = logging.getLogger(__name__)

# Graph answers rate limits without a Retry-After; this is the first wait, the sender doubles it.
DEFAULT_RATE_LIMIT_WAIT_S = 1.0
_EXPIRED_URL = {401, 403, 404, 410}  # a media URL lives five minutes; after that its host refuses it


class _ExpiredURL(Exception):
    pass


class WhatsAppChannel:
    name = NAME
    hard_limit = 4096  # Graph refuses a longer text body

    def __init__(
        self,
        settings: WhatsAppSettings,
        client: httpx.AsyncClient | None = None,
        *,
        rate_limit_wait_s: float = DEFAULT_RATE_LIMIT_WAIT_S,
    ) -> None:
        if not settings.enabled or settings.access_token is None:
            raise ConfigurationError("WhatsApp needs HABLA_WHATSAPP__ACCESS_TOKEN and HABLA_WHATSAPP__PHONE_NUMBER_ID")
        self._settings = settings
        self._auth = {"Authorization": f"Bearer {settings.access_token.get_secret_value()}"}
        base = settings.api_base.rstrip("/")
        self._base = base
        self._messages_url = f"{base}/{settings.phone_number_id}/messages"
        self._media_url = f"{base}/{settings.phone_number_id}/media"
        self._rate_limit_wait_s = rate_limit_wait_s
        self._client = client or httpx.AsyncClient(timeout=settings.send_timeout_s)

    @property
    def reports_delivery(self) -> bool:
        """Meta posts every send's statuses (with our biz_opaque_callback_data) to the webhook, which is on
        when the app secret is set."""
        return self._settings.app_secret is not None

    # -- sending -------------------------------------------------------------------------------------------

    async def send_text(self, address: str, text: str, *, idempotency_key: str) -> None:
        await self._post(self._messages_url, json=graph.text_body(address, text, idempotency_key))

    async def send_choices(self, address: str, text: str, choices: list[str], *, idempotency_key: str) -> None:
        """``text`` with tap-to-answer buttons or a list; as plain text where the Cloud API cannot show them
        (the agents also write the choices into the text as numbered lines, so a typed number answers too)."""
        body = graph.interactive_body(address, text, choices, idempotency_key)
        await self._post(self._messages_url, json=body or graph.text_body(address, text, idempotency_key))

    async def mark_read(self, message_id: str) -> None:
        await self._post(self._messages_url, json=graph.read_receipt_body(message_id))

    async def send_template(
        self, address: str, name: str | None = None, language: str | None = None, *, idempotency_key: str
    ) -> None:
        """The approved template that reopens the conversation (by default the configured re-engagement one)."""
        body = graph.template_body(
            address,
            name or self._settings.reengagement_template,
            language or self._settings.template_language,
            idempotency_key,
        )
        await self._post(self._messages_url, json=body)

    async def send_audio(
        self, address: str, data: bytes, mime: str = "audio/ogg", *, idempotency_key: str
    ) -> None:
        """A voice note: OGG/Opus uploaded, then sent as audio so WhatsApp shows it as a voice message."""
        media_id = await self._upload(data, mime, "voice.ogg")
        await self._post(self._messages_url, json=graph.media_body(address, "audio", media_id, idempotency_key))

    async def send_image(
        self, address: str, data: bytes, mime: str = "image/png", caption: str | None = None, *, idempotency_key: str
    ) -> None:
        media_id = await self._upload(data, mime, "image." + (mime.split("/")[-1] or "png"))
        body = graph.media_body(address, "image", media_id, idempotency_key, caption=caption)
        await self._post(self._messages_url, json=body)

    async def _upload(self, data: bytes, mime: str, filename: str) -> str:
        answer = await self._post(
            self._media_url,
            data={"messaging_product": "whatsapp", "type": mime},
            files={"file": (filename, data, mime)},
        )
        media_id = answer.get("id")
        if not isinstance(media_id, str) or not media_id:
            raise ChannelError("graph media upload answered without an id")
        return media_id

    async def _post(self, url: str, **kwargs: Any) -> dict[str, Any]:
        try:
            response = await self._client.post(url, headers=self._auth, **kwargs)
        except httpx.TimeoutException as exc:
            # Unknown whether Graph accepted it; retrying risks a repeat, which beats a lost reply.
            raise ChannelError(f"graph request timed out ({type(exc).__name__})") from exc
        except httpx.HTTPError as exc:
            raise ChannelError(f"graph unreachable ({type(exc).__name__})") from exc
        if response.status_code >= 400:
            error = graph.graph_error(response, self._rate_limit_wait_s)
            log.debug("graph refused a request: %s", error)
            raise error
        try:
            answer = response.json()
        except ValueError:
            return {}
        return answer if isinstance(answer, dict) else {}

    # -- media ---------------------------------------------------------------------------------------------

    async def download_media(self, media: Inbound) -> tuple[bytes, str]:
        """A learner's media by its Graph media id: (bytes, mime type). Raises MediaTooLarge over the limit,
        MediaError when too slow or gone.

        The URL Graph hands out expires after a few minutes (a backlog can outlive it), so a refused URL is
        resolved again, once.
        """
        if not media.media_id:
            raise MediaError("the message has no media id")
        for attempt in (1, 2):
            info = await self._resolve_media(media.media_id)
            try:
                data = await self._fetch(info["url"])
            except _ExpiredURL:
                if attempt == 2:
                    raise MediaError("media URL refused twice; the media is gone") from None
                log.info("whatsapp media URL expired; resolving it again")
                continue
            expected = info.get("sha256")
            if isinstance(expected, str) and expected and hashlib.sha256(data).hexdigest() != expected.lower():
                raise MediaError("downloaded media does not match its sha256")
            return data, str(info.get("mime_type") or "application/octet-stream")
        raise AssertionError("unreachable")

    async def _resolve_media(self, media_id: str) -> dict[str, Any]:
        try:
            response = await self._client.get(f"{self._base}/{media_id}", headers=self._auth)
        except httpx.HTTPError as exc:
            raise MediaError(f"graph unreachable while resolving media ({type(exc).__name__})") from exc
        if response.status_code >= 400:
            error = graph.graph_error(response, self._rate_limit_wait_s)
            if isinstance(error, (ChannelAuthError, ChannelRateLimited)):
                raise error
            raise MediaError(f"media could not be resolved: {error}")
        try:
            info = response.json()
        except ValueError:
            info = None
        if not isinstance(info, dict) or not isinstance(info.get("url"), str):
            raise MediaError("graph answered a media lookup without a url")
        size = info.get("file_size")
        if isinstance(size, int) and size > self._settings.media_max_bytes:
            raise MediaTooLarge(f"media is {size} bytes, over the {self._settings.media_max_bytes}-byte limit")
        return info

    async def _fetch(self, url: str) -> bytes:
        check_media_url(url, GRAPH_MEDIA_HOSTS, self._settings.api_base)  # before the bearer token goes out
        limit = self._settings.media_max_bytes
        try:
            async with asyncio.timeout(self._settings.media_timeout_s):
                async with self._client.stream("GET", url, headers=self._auth) as response:
                    if response.status_code in _EXPIRED_URL:
                        raise _ExpiredURL()
                    if response.status_code >= 400:
                        raise MediaError(f"media download answered {response.status_code}")
                    return await read_limited(response, limit)
        except TimeoutError as exc:
            raise MediaError(f"media download took longer than {self._settings.media_timeout_s}s") from exc
        except httpx.HTTPError as exc:
            raise MediaError(f"media download failed ({type(exc).__name__})") from exc

    async def aclose(self) -> None:
        await self._client.aclose()
