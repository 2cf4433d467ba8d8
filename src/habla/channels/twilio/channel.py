"""Sending on WhatsApp through Twilio's Messages API, and fetching the media learners send.

``POST {api_base}/2010-04-01/Accounts/{AccountSid}/Messages.json`` form-encoded with basic auth
(AccountSid:AuthToken): ``From`` (our ``whatsapp:+…`` sender, or a Messaging Service ``MG…`` sid), ``To``
(``whatsapp:`` + the learner's address), and ``Body``, ``MediaUrl`` or ``ContentSid`` (+ ``ContentVariables``).

Errors come back as ``{code, message, more_info, status}``; they are mapped by code first, then HTTP status:
63016 (outside the 24-hour window) → OutsideWindowError; 20429, 63018 or HTTP 429 → ChannelRateLimited
(Retry-After honoured); 20003 or HTTP 401 → ChannelAuthError; anything else, 5xx and timeouts → ChannelError.
Twilio's ``message`` can quote the learner's number, so exceptions carry only the code and HTTP status.

Twilio also reports most delivery failures (63016 included) later, on the status callback: the webhook logs
those for the operator (habla.api.twilio_routes).

Media out: Twilio fetches the file from a public URL. Bytes are written to ``{media_dir}/outbox/twilio``
under an unguessable token and served at ``{public_url}/media/twilio/{token}`` (see MediaOutbox); the token is
the only credential, as in Twilio's own examples of public media URLs.

Idempotency: the Messages API accepts no idempotency key. With ``HABLA_PUBLIC_URL`` set, each send names
its own ``StatusCallback`` (``/webhooks/twilio?habla_key=<idempotency key>``): Twilio's statuses for it are
the delivery evidence the sender waits for before resending an interrupted chunk (agents/delivery_evidence.py).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Mapping
from urllib.parse import urlencode, urlsplit

import httpx

from habla.channels.media_download import read_limited
from habla.channels.media_hosts import MAX_REDIRECTS, TWILIO_MEDIA_HOSTS, check_media_url
from habla.channels.retry_after import retry_after_s
from habla.channels.twilio.webhook import NAME, WHATSAPP_PREFIX
from habla.channels.twilio.outbox import MediaOutbox, normalise_mime
from habla.config import TwilioSettings
from habla.domain.digests import digest
from habla.domain.messages import Inbound, learner_key
from habla.errors import ChannelAuthError, ChannelError, ChannelRateLimited, MediaError, OutsideWindowError

log = logging.getLogger(__name__)

HARD_LIMIT = 1600  # Twilio refuses a longer Body (error 21617)
OUTSIDE_WINDOW = {63016}
RATE_LIMITED = {20429, 63018}
AUTH_FAILED = {20003}
DEFAULT_RETRY_AFTER_S = 1.0  # a 429 without a readable Retry-After
STATUS_KEY = "habla_key"  # the StatusCallback query parameter that names the chunk (habla.agents.delivery_evidence)


class TwilioChannel:
    name = NAME
    hard_limit = HARD_LIMIT

    def __init__(
        self,
        settings: TwilioSettings,
        *,
        public_url: str | None,
        outbox: MediaOutbox,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        if not settings.enabled:
            raise ChannelError("Twilio needs HABLA_TWILIO__ACCOUNT_SID, __AUTH_TOKEN and __FROM")
        self._settings = settings
        self._public_url = public_url.rstrip("/") if public_url else None
        self._outbox = outbox
        self._auth = (settings.account_sid, settings.auth_token.get_secret_value())
        self._api_base = settings.api_base.rstrip("/")
        self._messages_url = f"{self._api_base}/2010-04-01/Accounts/{settings.account_sid}/Messages.json"
        self._client = client or httpx.AsyncClient(timeout=settings.send_timeout_s)

    @property
    def reports_delivery(self) -> bool:
        """Each send names its StatusCallback only when Twilio can reach us (HABLA_PUBLIC_URL)."""
        return self._public_url is not None

    # sending

    async def send_text(self, address: str, text: str, *, idempotency_key: str) -> None:
        if len(text) > HARD_LIMIT:
            raise ChannelError(f"a Twilio message body is at most {HARD_LIMIT} characters, got {len(text)}")
        await self._send(address, {"Body": text}, idempotency_key)

    async def send_template(
        self, address: str, *, idempotency_key: str, variables: Mapping[str, str] | None = None
    ) -> None:
        """The configured re-engagement Content template: the only thing allowed outside the 24-hour window."""
        content_sid = self._settings.reengagement_content_sid
        if not content_sid:
            raise ChannelError("no Twilio template configured: set HABLA_TWILIO__REENGAGEMENT_CONTENT_SID")
        fields = {"ContentSid": content_sid}
        if variables:
            fields["ContentVariables"] = json.dumps(dict(variables), ensure_ascii=False)
        await self._send(address, fields, idempotency_key)

    async def send_audio(self, address: str, data: bytes, mime: str = "audio/ogg", *, idempotency_key: str) -> None:
        """A voice note: OGG/Opus (``audio/ogg``) plays as one on WhatsApp."""
        url = await self._publish_media(address, data, mime)
        await self._send(address, {"MediaUrl": url}, idempotency_key)

    async def send_image(
        self, address: str, data: bytes, mime: str = "image/png", caption: str | None = None, *, idempotency_key: str
    ) -> None:
        url = await self._publish_media(address, data, mime)
        fields = {"MediaUrl": url}
        if caption:
            fields["Body"] = caption[:HARD_LIMIT]
        await self._send(address, fields, idempotency_key)

    # No mark_read: Twilio's Messages API has no read receipt for WhatsApp (its typing indicator is a separate
    # beta product on another host). Having no such method is what tells the conversation agent not to
    # publish a receipt for Twilio at all, so no bus traffic is spent on a no-op.

    async def _publish_media(self, address: str, data: bytes, mime: str) -> str:
        if not self._public_url:
            raise ChannelError("sending media through Twilio needs HABLA_PUBLIC_URL, where Twilio fetches it")
        if len(data) > self._settings.media_max_bytes:
            raise ChannelError(f"media of {len(data)} bytes is over the {self._settings.media_max_bytes} limit")
        owner = media_owner(address)  # so "delete my data" removes the file at once (MediaOutbox.forget)
        token = await asyncio.to_thread(self._outbox.put, data, normalise_mime(mime), owner)
        return f"{self._public_url}/media/twilio/{token}"

    async def _send(self, address: str, fields: dict[str, str], idempotency_key: str) -> None:
        sender = self._settings.from_ or ""
        form = {"To": _whatsapp(address), **fields}
        if self._public_url:
            # Twilio calls this URL with each status of this one message: the key in it is our delivery evidence
            form["StatusCallback"] = f"{self._public_url}/webhooks/twilio?{urlencode({STATUS_KEY: idempotency_key})}"
        if sender.startswith("MG"):
            form["MessagingServiceSid"] = sender  # Twilio picks the sender from the service's pool
        else:
            form["From"] = _whatsapp(sender)
        try:
            response = await self._client.post(self._messages_url, data=form, auth=self._auth)
        except httpx.TimeoutException as exc:
            raise ChannelError("Twilio did not answer in time") from exc
        except httpx.HTTPError as exc:
            raise ChannelError(f"Twilio unreachable: {type(exc).__name__}") from exc
        if response.status_code >= 300:
            raise error_for(response)
        log.debug("twilio accepted key=%s sid=%s", idempotency_key, _json(response).get("sid"))

    # media from learners

    async def download_media(self, media: Inbound) -> tuple[bytes, str]:
        """The bytes of a learner's media (its MediaUrl0) and their MIME type. Twilio answers with a redirect
        to its CDN. Credentials go only to the configured API origin. The URL and every redirect are checked
        against Twilio's media hosts before they are fetched (channels/media_hosts.py): redirects are
        followed here, one by one, never blindly by the client.
        """
        url, hinted_mime = media.media_url, media.media_mime
        if not url or not url.startswith(("https://", "http://")):
            raise MediaError("the message has no media URL")
        auth = self._auth if _origin(url) == _origin(self._api_base) else None
        limit = self._settings.media_max_bytes
        try:
            async with asyncio.timeout(self._settings.media_timeout_s):
                return await self._fetch(url, auth, limit, hinted_mime)
        except TimeoutError as exc:
            raise MediaError(f"media download took longer than {self._settings.media_timeout_s:g} s") from exc
        except httpx.HTTPError as exc:
            raise MediaError(f"media download failed: {type(exc).__name__}") from exc

    async def _fetch(self, url: str, auth, limit: int, hinted_mime: str | None) -> tuple[bytes, str]:
        timeout = httpx.Timeout(self._settings.media_timeout_s)
        for _ in range(MAX_REDIRECTS + 1):
            check_media_url(url, TWILIO_MEDIA_HOSTS, self._api_base)
            async with self._client.stream("GET", url, auth=auth, follow_redirects=False, timeout=timeout) as response:
                if response.is_redirect:
                    url = str(response.url.join(response.headers.get("location", "")))
                    auth = self._auth if _origin(url) == _origin(self._api_base) else None
                    continue
                return await self._read(response, limit, hinted_mime)
        raise MediaError(f"media download redirected more than {MAX_REDIRECTS} times")

    async def _read(self, response: httpx.Response, limit: int, hinted_mime: str | None) -> tuple[bytes, str]:
        if response.status_code in (401, 403):
            raise MediaError(f"media refused (HTTP {response.status_code}): check HABLA_TWILIO__AUTH_TOKEN")
        if response.status_code in (404, 410):
            raise MediaError("media is gone")
        if response.status_code >= 300:
            raise MediaError(f"media download answered HTTP {response.status_code}")
        data = await read_limited(response, limit)
        mime = response.headers.get("content-type", "").split(";")[0].strip().lower()
        return data, mime or hinted_mime or "application/octet-stream"

    async def aclose(self) -> None:
        await self._client.aclose()


def error_for(response: httpx.Response) -> ChannelError:
    """The exception for a refused request, from Twilio's documented error body and the HTTP status."""
    body = _json(response)
    code = body.get("code") if isinstance(body.get("code"), int) else None
    status = response.status_code
    label = f"Twilio error {code if code is not None else '-'} (HTTP {status})"
    if code in OUTSIDE_WINDOW:
        return OutsideWindowError(f"{label}: outside the 24-hour window, only a template may go out")
    if code in RATE_LIMITED or status == 429:
        return ChannelRateLimited(f"{label}: rate limited", retry_after_s=_or_default(retry_after_s(response.headers)))
    if code in AUTH_FAILED or status == 401:
        # The sender agent logs this loudly for the operator, once, and does not retry.
        return ChannelAuthError(f"{label}: check HABLA_TWILIO__ACCOUNT_SID and HABLA_TWILIO__AUTH_TOKEN")
    return ChannelError(label)


def media_owner(address: str) -> str:
    """How the outbox names a learner's files: a keyed digest of their learner key, never the number."""
    return digest(learner_key(NAME, address))


def _or_default(seconds: float | None) -> float:
    return DEFAULT_RETRY_AFTER_S if seconds is None else seconds


def _whatsapp(address: str) -> str:
    return address if address.startswith(WHATSAPP_PREFIX) else f"{WHATSAPP_PREFIX}{address}"


def _origin(url: str) -> tuple[str, str, int | None]:
    try:
        parts = urlsplit(url)
        port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
        return parts.scheme, (parts.hostname or "").lower(), port
    except ValueError:
        return "", "", None


def _json(response: httpx.Response) -> dict:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
