"""The Graph API's request bodies and error answers, as the WhatsApp Cloud API documents them.

Error bodies look like ``{"error": {"message", "type", "code", "error_subcode", "error_data": {"details"},
"fbtrace_id"}}``. What to do about one depends on its ``code`` far more than on the HTTP status, so the
mapping below reads the code first.
"""

from __future__ import annotations

from typing import Any

import httpx

from habla.channels.retry_after import retry_after_s
from habla.errors import ChannelAuthError, ChannelError, ChannelRateLimited, OutsideWindowError

REENGAGEMENT = 131047  # more than 24 hours since the learner's last message: only a template may go out
PAIR_RATE_LIMIT = 131056  # too many messages to this one learner in a short time
THROUGHPUT_LIMIT = 130429  # the phone number's messages-per-second limit
APP_RATE_LIMITS = {4, 80007}  # the app's / the business account's API call limits
AUTH_CODES = {190}  # the access token expired or was revoked
RATE_LIMIT_CODES = {PAIR_RATE_LIMIT, THROUGHPUT_LIMIT, *APP_RATE_LIMITS}


def text_body(to: str, text: str, tag: str) -> dict[str, Any]:
    # biz_opaque_callback_data comes back on this message's status webhooks: the idempotency key ties a
    # status (or a far end that drops repeats, like our emulator) to the chunk it belongs to.
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to,
        "type": "text",
        "text": {"preview_url": False, "body": text},
        "biz_opaque_callback_data": tag[:512],
    }


def read_receipt_body(message_id: str) -> dict[str, Any]:
    """Marks the message (and every earlier one) read and shows "typing…" until we answer or 25 s pass."""
    return {
        "messaging_product": "whatsapp",
        "status": "read",
        "message_id": message_id,
        "typing_indicator": {"type": "text"},
    }


def media_body(to: str, kind: str, media_id: str, tag: str, caption: str | None = None) -> dict[str, Any]:
    media: dict[str, Any] = {"id": media_id}
    if kind == "audio":
        media["voice"] = True  # OGG/Opus sent with voice=true plays as a voice note, not as an audio file
    if caption:
        media["caption"] = caption
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to,
        "type": kind,
        kind: media,
        "biz_opaque_callback_data": tag[:512],
    }


# The Cloud API's limits on interactive messages (reply buttons and lists)
MAX_BUTTONS = 3
BUTTON_TITLE_CHARS = 20
MAX_LIST_ROWS = 10
ROW_TITLE_CHARS = 24
INTERACTIVE_BODY_CHARS = 1024
LIST_BUTTON = "☰"  # the list's opening button: a symbol, because the channel does not know the learner's language


def interactive_body(to: str, text: str, choices: list[str], tag: str) -> dict[str, Any] | None:
    """``text`` with ``choices`` as reply buttons (up to 3 short, distinct titles) or as a list (up to 10 rows);
    None when the Cloud API cannot show them (too many, a body over 1,024 characters): send the text alone.
    A tap comes back with the row's or button's title (what the agents match) and its id (the whole choice)."""
    choices = [c.strip() for c in choices if c and c.strip()]
    if not choices or len(choices) > MAX_LIST_ROWS or len(text) > INTERACTIVE_BODY_CHARS or not text.strip():
        return None
    ids = [f"{index}:{choice}"[:200] for index, choice in enumerate(choices, 1)]  # rows take 200, buttons 256
    if len(choices) <= MAX_BUTTONS and all(len(c) <= BUTTON_TITLE_CHARS for c in choices) and len(set(choices)) == len(choices):
        action: dict[str, Any] = {"buttons": [{"type": "reply", "reply": {"id": i, "title": c}} for i, c in zip(ids, choices)]}
        kind = "button"
    else:
        titles = [c if len(c) <= ROW_TITLE_CHARS else c[: ROW_TITLE_CHARS - 1] + "…" for c in choices]
        if len(set(titles)) != len(titles):
            return None  # rows a learner could not tell apart
        action = {"button": LIST_BUTTON, "sections": [{"rows": [{"id": i, "title": t} for i, t in zip(ids, titles)]}]}
        kind = "list"
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to,
        "type": "interactive",
        "interactive": {"type": kind, "body": {"text": text}, "action": action},
        "biz_opaque_callback_data": tag[:512],
    }


def template_body(to: str, name: str, language: str, tag: str) -> dict[str, Any]:
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to,
        "type": "template",
        "template": {"name": name, "language": {"code": language}},
        "biz_opaque_callback_data": tag[:512],
    }


def graph_error(response: httpx.Response, default_wait_s: float) -> ChannelError:
    """The ChannelError for a refused request; ``default_wait_s`` when a rate limit names no wait."""
    code, subcode, message = _error_fields(response)
    label = f"graph {response.status_code} code={code if code is not None else '-'}"
    if subcode is not None:
        label += f" subcode={subcode}"
    detail = f"{label}: {message}" if message else label
    if code == REENGAGEMENT:
        return OutsideWindowError(detail)
    if code in RATE_LIMIT_CODES or response.status_code == 429:
        return ChannelRateLimited(detail, retry_after_s=retry_after_s(response.headers) or default_wait_s)
    if code in AUTH_CODES or response.status_code == 401:
        return ChannelAuthError(detail)
    return ChannelError(detail)


def _error_fields(response: httpx.Response) -> tuple[int | None, int | None, str]:
    try:
        error = response.json().get("error")
    except (ValueError, AttributeError):
        return None, None, ""
    if not isinstance(error, dict):
        return None, None, ""
    code, subcode = error.get("code"), error.get("error_subcode")
    # Graph messages name the problem, never the recipient; cut anyway, they end up in dead letters.
    message = str(error.get("message") or "")[:200]
    return (code if isinstance(code, int) else None), (subcode if isinstance(subcode, int) else None), message


