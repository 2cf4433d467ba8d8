"""The channel port: how a reply leaves Habla."""

from __future__ import annotations

from typing import Protocol

from habla.domain.messages import hashed


class Channel(Protocol):
    name: str
    hard_limit: int | None  # the transport's maximum message length; None when there is none

    async def send_text(self, address: str, text: str, *, idempotency_key: str) -> None:
        """Deliver one chunk. Raises ChannelError when the transport refuses it.

        ``idempotency_key`` is the same for every attempt at the same chunk; transports that accept one
        pass it on, so a resend after a crash is recognised by the far end.
        """

    async def aclose(self) -> None: ...


def outbound_topic(channel: str, address: str) -> str:
    """Console replies go to the one terminal that asked, so each console address has its own topic.

    The address is hashed: topic names reach INFO logs and Redis key listings, addresses must not.
    """
    if channel == "console":
        return f"outbound.console.{hashed(address)}"
    return f"outbound.{channel}"


# Optional capabilities. The sender looks for them on a channel (getattr), so a transport implements only
# what its provider offers; WhatsApp's Cloud API and Twilio's WhatsApp sender implement all of them.

# WhatsApp's customer-service window: free text only within 24 h of the learner's last message.
SERVICE_WINDOW_S = 24 * 3600


class ReadReceipts(Protocol):
    async def mark_read(self, message_id: str) -> None:
        """Mark the learner's message read and show that the tutor is typing (best effort)."""


class Templates(Protocol):
    """A channel with templates is a windowed channel: outside ``SERVICE_WINDOW_S`` only a template goes out."""

    async def send_template(self, address: str, *, idempotency_key: str) -> None:
        """Send the operator's configured re-engagement template. Raises ChannelError like send_text."""


class MediaSender(Protocol):
    async def send_audio(self, address: str, data: bytes, mime: str = "audio/ogg", *, idempotency_key: str) -> None:
        """A voice note (OGG/Opus)."""

    async def send_image(
        self, address: str, data: bytes, mime: str = "image/png", caption: str | None = None, *, idempotency_key: str
    ) -> None: ...


class MediaSource(Protocol):
    async def download_media(self, media_id: str) -> tuple[bytes, str]:
        """(bytes, mime type) of a learner's media; raises MediaError when too big, too slow or gone."""
