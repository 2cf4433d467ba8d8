"""The channel port: how a reply leaves Habla, and what else a transport can do.

``Channel`` is what every transport implements. The capabilities below are optional: a transport
implements only what its provider offers, and the sender, the outbox and the voice agent ask
``isinstance(channel, Templates)`` (the protocols are runtime-checkable) instead of probing attributes.
WhatsApp's Cloud API and Twilio's WhatsApp sender implement all of them.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from habla.domain.messages import Inbound

# WhatsApp's customer-service window: free text only within 24 h of the learner's last message.
SERVICE_WINDOW_S = 24 * 3600


@runtime_checkable
class Channel(Protocol):
    name: str
    hard_limit: int | None  # the transport's maximum message length; None when there is none

    async def send_text(self, address: str, text: str, *, idempotency_key: str) -> None:
        """Deliver one chunk. Raises ChannelError when the transport refuses it.

        ``idempotency_key`` is the same for every attempt at the same chunk; transports that accept one
        pass it on, so a resend after a crash is recognised by the far end.
        """

    async def aclose(self) -> None: ...


@runtime_checkable
class ReadReceipts(Protocol):
    async def mark_read(self, message_id: str) -> None:
        """Mark the learner's message read and show that the tutor is typing (best effort)."""


@runtime_checkable
class Templates(Protocol):
    """A channel with templates is a windowed channel: outside ``SERVICE_WINDOW_S`` only a template goes out."""

    async def send_template(self, address: str, *, idempotency_key: str) -> None:
        """Send the operator's configured re-engagement template. Raises ChannelError like send_text."""


@runtime_checkable
class VoiceNotes(Protocol):
    async def send_audio(self, address: str, data: bytes, mime: str = "audio/ogg", *, idempotency_key: str) -> None:
        """A voice note (OGG/Opus)."""


@runtime_checkable
class Images(Protocol):
    async def send_image(
        self, address: str, data: bytes, mime: str = "image/png", caption: str | None = None, *, idempotency_key: str
    ) -> None: ...


@runtime_checkable
class Choices(Protocol):
    async def send_choices(self, address: str, text: str, choices: list[str], *, idempotency_key: str) -> None:
        """``text`` with tap-to-answer choices (WhatsApp's shapes: up to 3 buttons, a list beyond)."""


@runtime_checkable
class MediaSource(Protocol):
    async def download_media(self, media: Inbound) -> tuple[bytes, str]:
        """(bytes, mime type) of the learner's media that ``media`` carries (its media id or URL, as the
        provider names it). Raises MediaTooLarge past the size limit, MediaError when too slow or gone."""
