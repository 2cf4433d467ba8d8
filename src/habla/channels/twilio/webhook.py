"""Twilio's WhatsApp webhook: signature, form decoding, statuses and messages. Framework-free.

Inbound:  POST /webhooks/twilio, ``application/x-www-form-urlencoded``, signed in ``X-Twilio-Signature``
Outbound: see habla.channels.twilio.channel (the Messages API)

Addresses: Twilio writes a WhatsApp sender as ``whatsapp:+34600111222``. Habla's address for that learner is
the E.164 number without the channel prefix (``+34600111222``); the prefix is added back when sending. A
message whose ``From`` is not a WhatsApp address (SMS to the same Twilio number) is ignored, because the
tutor would answer it on WhatsApp.

Signature (Twilio's documented algorithm): the full URL Twilio called (scheme, host, path, query), then
every POST parameter sorted by name, name and value appended with no separator; HMAC-SHA1 of that string with
the account's auth token, base64. Like Twilio's own validators, the URL is also tried without its port and
with the scheme's default port, because proxies disagree about whether the port is part of the URL. Twilio's
JSON-body variant (``bodySHA256`` in the query) is not used by messaging webhooks and is not accepted here.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from habla.domain.inbound_text import decode_transport_bytes
from habla.domain.messages import Inbound, InboundKind
from habla.errors import ChannelError, SignatureError

NAME = "twilio"
WHATSAPP_PREFIX = "whatsapp:"
MAX_FIELDS = 200  # a real webhook has ~25; a body with thousands of fields is not from Twilio
_E164 = re.compile(r"^\+[1-9][0-9]{5,14}\Z")
_SID = re.compile(r"^[A-Za-z]{2}[A-Za-z0-9]{1,62}\Z")  # SM…/MM… are 34 characters; stay lenient on length
_DEFAULT_PORTS = {"http": 80, "https": 443}

_KINDS_BY_TYPE = {
    "text": InboundKind.TEXT,
    "audio": InboundKind.AUDIO,
    "image": InboundKind.IMAGE,
    "sticker": InboundKind.STICKER,
    "location": InboundKind.LOCATION,
    "button": InboundKind.INTERACTIVE,
    "interactive": InboundKind.INTERACTIVE,
    "reaction": InboundKind.REACTION,
    "contacts": InboundKind.CONTACTS,
}


class MissingSignature(SignatureError):
    """No X-Twilio-Signature at all (401), as opposed to a wrong one (403)."""


@dataclass(frozen=True)
class TwilioStatus:
    """A status callback for a message we sent: answered 200 and otherwise ignored, failures logged."""

    message_id: str
    status: str  # queued, sent, delivered, read, undelivered, failed…
    error_code: str | None = None

    @property
    def failed(self) -> bool:
        return self.status in ("failed", "undelivered")


Params = Mapping[str, str] | Iterable[tuple[str, str]]


def compute_signature(url: str, params: Params, auth_token: str) -> str:
    """Twilio's X-Twilio-Signature for ``url`` and the POST parameters ``params``.

    Repeated names are sorted by value after the name, as Twilio's validators do. Values decoded with
    ``surrogateescape`` (see ``parse_form``) are signed as the bytes that arrived.
    """
    pairs = params.items() if isinstance(params, Mapping) else params
    grouped: dict[str, set[str]] = {}
    for name, value in pairs:
        grouped.setdefault(name, set()).add(value)
    payload = url + "".join(name + value for name in sorted(grouped) for value in sorted(grouped[name]))
    digest = hmac.new(utf8(auth_token), utf8(payload), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def verify_signature(url: str, params: Params, header: str | None, auth_token: str) -> None:
    """Raise MissingSignature when there is no header, SignatureError when it does not match."""
    if not header:
        raise MissingSignature("missing X-Twilio-Signature")
    pairs = list(params.items() if isinstance(params, Mapping) else params)
    given = utf8(header.strip())
    matched = False
    for candidate in _url_variants(url):
        expected = compute_signature(candidate, pairs, auth_token).encode("ascii")
        # Every variant is compared (no early exit) so timing says nothing about which one was close.
        matched |= hmac.compare_digest(expected, given)
    if not matched:
        raise SignatureError("wrong X-Twilio-Signature")


def utf8(value: str) -> bytes:
    """The bytes behind a string decoded with ``surrogateescape``; other lone surrogates pass through."""
    try:
        return value.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return value.encode("utf-8", "surrogatepass")


def _url_variants(url: str) -> list[str]:
    variants = [url]
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return variants
    host = parts.hostname or ""
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    userinfo = parts.netloc.rpartition("@")[0]
    prefix = f"{userinfo}@" if userinfo else ""
    default = _DEFAULT_PORTS.get(parts.scheme)
    without = urlunsplit(parts._replace(netloc=f"{prefix}{host}"))
    variants.append(without)
    if port is None and default is not None:
        variants.append(urlunsplit(parts._replace(netloc=f"{prefix}{host}:{default}")))
    return list(dict.fromkeys(variants))


def parse_form(raw: bytes) -> list[tuple[str, str]]:
    """The body's fields in order. Invalid UTF-8 survives as surrogates so the signature still matches."""
    text = raw.decode("utf-8", "surrogateescape")
    try:
        return parse_qsl(
            text,
            keep_blank_values=True,
            encoding="utf-8",
            errors="surrogateescape",
            max_num_fields=MAX_FIELDS,
        )
    except ValueError as exc:
        raise ChannelError(f"form body has more than {MAX_FIELDS} fields") from exc


def status_of(form: Mapping[str, str]) -> TwilioStatus | None:
    """A status callback carries MessageStatus and none of the fields of an inbound message."""
    status = form.get("MessageStatus")
    if status is None or "Body" in form or "NumMedia" in form:
        return None
    sid = form.get("MessageSid") or form.get("SmsSid") or ""
    error_code = _clean(form.get("ErrorCode", ""))[:16] or None
    return TwilioStatus(message_id=_clean(sid)[:64], status=_clean(status).lower()[:32], error_code=error_code)


def parse(form: Mapping[str, str]) -> list[Inbound]:
    """The learner messages in one webhook: none for a status callback or a non-WhatsApp sender, else one.

    Raises ChannelError for a body that cannot be a Twilio message (missing or malformed sid or sender).
    """
    if status_of(form) is not None:
        return []
    sid = form.get("MessageSid") or form.get("SmsMessageSid") or form.get("SmsSid") or ""
    if not _SID.match(sid):
        raise ChannelError("MessageSid is missing or malformed")
    sender = form.get("From", "")
    if not sender.startswith(WHATSAPP_PREFIX):
        if sender:
            return []
        raise ChannelError("From is missing")
    address = sender[len(WHATSAPP_PREFIX):]
    if not _E164.match(address):
        raise ChannelError("From is not a WhatsApp number in E.164 form")
    body, garbled = _decode(form.get("Body", ""))
    details = {"text": body, **_details(form, body)}
    return [Inbound(channel=NAME, address=address, message_id=sid, garbled=garbled, **details)]


def _details(form: Mapping[str, str], body: str) -> dict[str, object]:
    """Kind, media and kind-specific extras from the fields Twilio documents."""
    message_type = form.get("MessageType", "").strip().lower()
    media = _media(form)
    extra: dict[str, object] = {}
    for field, key in (("ProfileName", "profile_name"), ("OriginalRepliedMessageSid", "replied_to")):
        if form.get(field):
            extra[key] = _clean(form[field])[:256]
    if message_type in _KINDS_BY_TYPE:
        kind = _KINDS_BY_TYPE[message_type]
    elif message_type:
        kind = InboundKind.UNSUPPORTED  # video, document, and whatever Twilio adds next
    elif "Latitude" in form and "Longitude" in form:
        kind = InboundKind.LOCATION
    elif form.get("ButtonText") or form.get("ButtonPayload"):
        kind = InboundKind.INTERACTIVE
    elif media:
        kind = _kind_of_mime(media[0]["mime"])
    else:
        kind = InboundKind.TEXT
    details: dict[str, object] = {"kind": kind}
    if kind == InboundKind.LOCATION:
        extra.update(_location(form))
    if kind == InboundKind.INTERACTIVE:
        extra["button_text"] = _clean(form.get("ButtonText", ""))[:1024]
        extra["button_payload"] = _clean(form.get("ButtonPayload", ""))[:1024]
        if not body:
            details["text"] = extra["button_text"]  # a quick-reply tap reads like the words on the button
    if media:
        details["media_url"] = media[0]["url"]
        details["media_mime"] = media[0]["mime"] or None
        # Twilio has no media id apart from the URL, and the URL is what download_media needs.
        details["media_id"] = media[0]["url"]
        if len(media) > 1:
            extra["media"] = media
    details["extra"] = extra
    return details


def _media(form: Mapping[str, str]) -> list[dict[str, str]]:
    try:
        count = int(form.get("NumMedia", "0") or "0")
    except ValueError as exc:
        raise ChannelError("NumMedia is not a number") from exc
    found = []
    for index in range(max(0, min(count, 10))):  # Twilio attaches at most 10 media items
        url = form.get(f"MediaUrl{index}", "")
        if not url.startswith(("https://", "http://")) or len(url) > 2048 or not url.isascii():
            raise ChannelError(f"MediaUrl{index} is missing or not an http(s) URL")
        mime = _clean(form.get(f"MediaContentType{index}", "")).strip().lower()[:128]
        found.append({"url": url, "mime": mime})
    return found


def _kind_of_mime(mime: str) -> InboundKind:
    if mime.startswith("audio/"):
        return InboundKind.AUDIO
    if mime.startswith("image/"):
        return InboundKind.IMAGE
    return InboundKind.UNSUPPORTED


def _location(form: Mapping[str, str]) -> dict[str, object]:
    try:
        latitude, longitude = float(form.get("Latitude", "")), float(form.get("Longitude", ""))
    except ValueError as exc:
        raise ChannelError("Latitude/Longitude are not numbers") from exc
    if not (math.isfinite(latitude) and math.isfinite(longitude)) or abs(latitude) > 90 or abs(longitude) > 180:
        raise ChannelError("Latitude/Longitude are out of range")
    place = {"latitude": latitude, "longitude": longitude}
    for field, key in (("Address", "address"), ("Label", "label")):
        if form.get(field):
            place[key] = _clean(form[field])[:512]
    return place


def _decode(value: str) -> tuple[str, bool]:
    """Text as the learner typed it; invalid UTF-8 becomes U+FFFD and is flagged, never an error."""
    text, garbled = decode_transport_bytes(utf8(value))
    return text.replace("\x00", ""), garbled  # NUL cannot be stored in a Postgres text column


def _clean(value: str) -> str:
    return _decode(value)[0]
