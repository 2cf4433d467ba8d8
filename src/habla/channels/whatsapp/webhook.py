"""WhatsApp Cloud API webhooks, framework-free: the verify handshake, the signature, and the body.

A webhook body is ``{"object": "whatsapp_business_account", "entry": [{"changes": [{"field": "messages",
"value": {...}}]}]}`` and each ``value`` carries ``messages`` (from learners), ``statuses`` (what became of
ours: sent, delivered, read, failed) or both. Statuses are most of the traffic and need no work beyond a
look at the failed ones, so ``parse`` keeps them cheap and the route answers them without touching the
database or the bus.

Meta retries every non-200 for days, so a body that is valid JSON is never refused for its contents: a
message we cannot read is skipped (and logged), not answered with a 4xx that would only come back.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import math
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from habla.domain.messages import Inbound, InboundKind
from habla.errors import ChannelError, SignatureError

log = logging.getLogger(__name__)

NAME = "whatsapp"
MAX_ID = 191  # inbound_seen.message_id is a VARCHAR(191)
MAX_ADDRESS = 128  # learners.address
SIGNATURE_PREFIX = "sha256="
# Meta sends the time the learner sent the message; a clock far ahead of ours is not believed.
MAX_CLOCK_SKEW_S = 300


class MissingSignature(SignatureError):
    status = 401


class WrongSignature(SignatureError):
    status = 403


@dataclass(frozen=True)
class Status:
    """What became of a message we sent. ``errors`` holds the Graph error codes of a failed one."""

    message_id: str
    status: str
    errors: tuple[int, ...] = ()
    recipient: str = ""  # the learner's wa_id
    tag: str | None = None  # biz_opaque_callback_data: the idempotency key we sent the message with

    @property
    def failed(self) -> bool:
        return self.status == "failed"


@dataclass
class ParsedWebhook:
    messages: list[Inbound] = field(default_factory=list)
    statuses: list[Status] = field(default_factory=list)
    skipped: int = 0  # message objects we could not read (no id, no sender, another phone number)

    @property
    def failed_statuses(self) -> list[Status]:
        return [status for status in self.statuses if status.failed]


def verify_handshake(params: Mapping[str, str], verify_token: str | None) -> str | None:
    """The GET subscription handshake: the challenge to echo back, or None (answer 403)."""
    if not verify_token or params.get("hub.mode") != "subscribe":
        return None
    offered = params.get("hub.verify_token") or ""
    if not hmac.compare_digest(offered.encode("utf-8", "replace"), verify_token.encode("utf-8", "replace")):
        return None
    challenge = params.get("hub.challenge")
    return challenge if challenge else None


def verify_signature(raw: bytes, header: str | None, app_secret: str) -> None:
    """``X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>``; raises Missing/WrongSignature.

    Computed over the bytes as received: re-serialised JSON would differ (escapes, key order, spaces).
    """
    if not header:
        raise MissingSignature("missing X-Hub-Signature-256")
    expected = SIGNATURE_PREFIX + hmac.new(app_secret.encode(), raw, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected.encode(), header.strip().encode("utf-8", "replace")):
        raise WrongSignature("X-Hub-Signature-256 does not match the body")


def parse(raw: bytes, phone_number_id: str | None = None) -> ParsedWebhook:
    """Every message and status in a webhook body. Raises ChannelError only when the body is not a JSON object.

    ``phone_number_id``: when set, messages addressed to another number of the same business account are
    skipped; we could only answer them from the wrong number.
    """
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise ChannelError("body is not JSON") from exc
    if not isinstance(body, dict):
        raise ChannelError("body must be a JSON object")
    parsed = ParsedWebhook()
    for value in _values(body):
        metadata = _dict(value.get("metadata"))
        foreign = phone_number_id is not None and metadata.get("phone_number_id") not in (None, phone_number_id)
        for status in _list(value.get("statuses")):
            if isinstance(status, dict):
                parsed.statuses.append(_status(status))
        for message in _list(value.get("messages")):
            inbound = None if foreign else _message(message)
            if inbound is None:
                parsed.skipped += 1
            else:
                parsed.messages.append(inbound)
    if parsed.skipped:
        log.warning("whatsapp webhook: skipped %d message(s) without a usable id or sender", parsed.skipped)
    return parsed


def log_failed_statuses(parsed: ParsedWebhook) -> None:
    """One WARNING per failed status with its error codes: the operator's view of sends that bounced."""
    for status in parsed.failed_statuses:
        codes = ",".join(str(code) for code in status.errors) or "none"
        log.warning("whatsapp message failed after sending: error codes %s", codes)


# -- the body, piece by piece ------------------------------------------------------------------------------


def _values(body: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for entry in _list(body.get("entry")):
        for change in _list(_dict(entry).get("changes")):
            change = _dict(change)
            if change.get("field", "messages") == "messages":
                value = _dict(change.get("value"))
                if value:
                    yield value


def _status(raw: dict[str, Any]) -> Status:
    codes = tuple(
        error["code"] for error in _list(raw.get("errors"))
        if isinstance(error, dict) and isinstance(error.get("code"), int)
    )
    tag = raw.get("biz_opaque_callback_data")
    return Status(
        message_id=_text(raw.get("id"))[:MAX_ID], status=_text(raw.get("status"))[:32], errors=codes,
        recipient=_text(raw.get("recipient_id"))[:MAX_ADDRESS], tag=tag[:512] if isinstance(tag, str) else None,
    )


def _message(raw: Any) -> Inbound | None:
    if not isinstance(raw, dict):
        return None
    message_id, sender = _identifier(raw.get("id"), MAX_ID), _identifier(raw.get("from"), MAX_ADDRESS)
    if message_id is None or sender is None:
        return None
    kind_name = _text(raw.get("type"))
    reader = _READERS.get(kind_name, _unsupported)
    fields = reader(raw, _dict(raw.get(kind_name)))
    extra = fields.setdefault("extra", {})
    context = _dict(raw.get("context"))
    if context.get("id"):
        extra["context_id"] = _text(context.get("id"))
    group = _identifier(raw.get("group_id"), MAX_ADDRESS)
    text = fields.pop("text", "")
    clean, garbled = _clean(text)
    return Inbound(
        channel=NAME,
        address=sender,
        message_id=message_id,
        text=clean,
        garbled=garbled,
        group_id=group,
        received_at=_sent_at(raw.get("timestamp")),
        **fields,
    )


def _text_message(_: dict, body: dict) -> dict:
    raw = body.get("body")
    return {"kind": InboundKind.TEXT, "text": raw if isinstance(raw, str) else ""}  # cleaned in _message


def _media(kind: InboundKind):
    def read(_: dict, body: dict) -> dict:
        extra: dict[str, Any] = {}
        if kind == InboundKind.AUDIO:
            extra["voice"] = body.get("voice") is True  # a recorded voice note, not a forwarded audio file
        if kind == InboundKind.STICKER:
            extra["animated"] = body.get("animated") is True
        return {
            "kind": kind,
            "text": _text(body.get("caption")),
            "media_id": _text(body.get("id"))[:MAX_ID] or None,
            "media_mime": _text(body.get("mime_type"))[:128] or None,
            "extra": extra,
        }

    return read


def _reaction(_: dict, body: dict) -> dict:
    return {
        "kind": InboundKind.REACTION,
        "text": _text(body.get("emoji")),  # no emoji: the learner removed a reaction
        "extra": {"reacted_to": _text(body.get("message_id"))},
    }


def _interactive(_: dict, body: dict) -> dict:
    reply_type = _text(body.get("type"))
    reply = _dict(body.get(reply_type))
    extra = {"reply_type": reply_type, "reply_id": _text(reply.get("id"))}
    if reply.get("description"):
        extra["description"] = _text(reply.get("description"))
    return {"kind": InboundKind.INTERACTIVE, "text": _text(reply.get("title")), "extra": extra}


def _button(_: dict, body: dict) -> dict:
    """A quick-reply button of a template (our re-engagement message): the learner tapped it."""
    return {"kind": InboundKind.INTERACTIVE, "text": _text(body.get("text")),
            "extra": {"reply_type": "button", "reply_id": _text(body.get("payload"))}}


def _location(_: dict, body: dict) -> dict:
    extra: dict[str, Any] = {}
    for key in ("latitude", "longitude"):
        number = _number(body.get(key))
        if number is not None:
            extra[key] = number
    extra.update({key: _text(body[key]) for key in ("name", "address") if key in body})
    return {"kind": InboundKind.LOCATION, "extra": extra}


def _contacts(raw: dict, _: dict) -> dict:
    # Only how many: the cards hold other people's names and numbers, which the tutor has no use for.
    return {"kind": InboundKind.CONTACTS, "extra": {"count": len(_list(raw.get("contacts")))}}


def _unsupported(raw: dict, _: dict) -> dict:
    codes = [e["code"] for e in _list(raw.get("errors")) if isinstance(e, dict) and type(e.get("code")) is int]
    return {"kind": InboundKind.UNSUPPORTED,
            "extra": {"type": _text(raw.get("type"))[:64] or "unknown", "error_codes": codes[:5]}}


_READERS = {
    "text": _text_message,
    "audio": _media(InboundKind.AUDIO),
    "voice": _media(InboundKind.AUDIO),
    "image": _media(InboundKind.IMAGE),
    "sticker": _media(InboundKind.STICKER),
    "reaction": _reaction,
    "interactive": _interactive,
    "button": _button,
    "location": _location,
    "contacts": _contacts,
}


# -- defensive little readers: a webhook's JSON may hold anything -----------------------------------------


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _text(value: Any) -> str:
    return _clean(value)[0] if isinstance(value, str) else ""


def _number(value: Any) -> float | None:
    """A finite float: json.loads accepts NaN, Infinity and huge integers, which the bus (strict JSON) refuses."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


def _clean(text: str) -> tuple[str, bool]:
    """Text every store and bus can carry: NUL (Postgres refuses it) and lone surrogates (not UTF-8) go."""
    garbled = False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text, garbled = text.encode("utf-8", "replace").decode("utf-8"), True
    return text.replace("\x00", ""), garbled


def _identifier(value: Any, limit: int) -> str | None:
    """An id or address we can store and key on: a short string without control characters."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not 0 < len(value) <= limit:
        return None
    if any(ord(ch) < 32 or 0xD800 <= ord(ch) <= 0xDFFF for ch in value):
        return None
    return value


def _sent_at(value: Any) -> float:
    """When the learner sent it (the 24-hour window counts from there), never in our future."""
    now = time.time()
    try:
        sent = float(value) if isinstance(value, str) else _number(value)
    except ValueError:
        return now
    if sent is None or not math.isfinite(sent) or sent <= 0 or sent > now + MAX_CLOCK_SKEW_S:
        return now  # missing, nonsense, or a clock far ahead of ours
    return min(sent, now)
