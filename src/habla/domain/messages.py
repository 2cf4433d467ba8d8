"""What travels on the bus: a learner's inbound message and the tutor's outbound reply.

Both are plain pydantic models so every bus engine serialises them the same way (JSON).
"""

from __future__ import annotations

import hashlib
import time
import uuid
from enum import StrEnum

from pydantic import BaseModel, Field


class InboundKind(StrEnum):
    TEXT = "text"
    AUDIO = "audio"
    IMAGE = "image"
    STICKER = "sticker"
    REACTION = "reaction"
    INTERACTIVE = "interactive"
    LOCATION = "location"
    CONTACTS = "contacts"
    UNSUPPORTED = "unsupported"


class Inbound(BaseModel):
    """One message from a learner, as a channel parsed it."""

    channel: str
    address: str  # the learner's address on that channel (a phone number, a console name)
    message_id: str  # the provider's id; the key for dedupe
    kind: InboundKind = InboundKind.TEXT
    text: str = ""
    media_id: str | None = None
    media_url: str | None = None
    media_mime: str | None = None
    garbled: bool = False  # the transport could not decode part of the text (invalid UTF-8)
    received_at: float = Field(default_factory=time.time)

    @property
    def learner_key(self) -> str:
        """The bus ordering key: every message of one learner lands on one shard, in order."""
        return learner_key(self.channel, self.address)


class Outbound(BaseModel):
    """One reply to a learner: the chunks go out in order, as separate messages."""

    outbound_id: str = Field(default_factory=lambda: uuid.uuid4().hex)
    channel: str
    address: str
    chunks: list[str]
    in_reply_to: str | None = None
    created_at: float = Field(default_factory=time.time)

    @property
    def learner_key(self) -> str:
        return learner_key(self.channel, self.address)


def learner_key(channel: str, address: str) -> str:
    return f"{channel}:{address}"


def hashed(value: str) -> str:
    """A short stable hash to name a learner in INFO logs without their phone number."""
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:12]
