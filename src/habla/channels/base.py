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
