"""What travels on the bus: a learner's inbound message and the tutor's outbound reply.

Both are plain pydantic models so every bus engine serialises them the same way (JSON).
"""

from __future__ import annotations

import time
import uuid
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field

from habla.domain.digests import hashed  # noqa: F401  re-exported: every module names learners through it
from habla.domain.voice_markup import VoiceItem


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
    group_id: str | None = None  # set when the message came from a group chat (the tutor is one-to-one)
    # kind-specific details: reaction emoji and target, location coordinates, button payload, contacts…
    extra: dict[str, Any] = Field(default_factory=dict)
    received_at: float = Field(default_factory=time.time)

    @property
    def learner_key(self) -> str:
        """The bus ordering key: every message of one learner lands on one shard, in order."""
        return learner_key(self.channel, self.address)


class Flashcard(BaseModel):
    """A word card the sender renders as an image after a reply's text (habla.pedagogy.flashcards)."""

    word: str = Field(min_length=1, max_length=80)
    translation: str = Field(default="", max_length=120)
    example: str = Field(default="", max_length=300)


class OutboundKind(StrEnum):
    REPLY = "reply"  # text chunks, then voice notes, then flashcard images
    RECEIPT = "receipt"  # mark `in_reply_to` read and show the typing indicator while the tutor thinks
    FORGET = "forget"  # after the goodbye: erase every trace of the learner (habla.agents.privacy)


class Outbound(BaseModel):
    """One thing for a learner: a reply whose chunks go out in order as separate messages, or a receipt."""

    outbound_id: str = Field(default_factory=lambda: uuid.uuid4().hex)
    kind: OutboundKind = OutboundKind.REPLY
    channel: str
    address: str
    chunks: list[str] = Field(default_factory=list)
    # pronunciation examples spoken as voice notes after the text chunks (the sender synthesises them)
    voice: list[VoiceItem] = Field(default_factory=list)
    # flashcards sent as images after the text and the voice notes (each its own delivery, at most once)
    cards: list[Flashcard] = Field(default_factory=list)
    in_reply_to: str | None = None
    # when the learner sent the message this answers (the provider's timestamp): a reply to a message less
    # than 24 h old is inside WhatsApp's window by definition, whatever else was or was not recorded
    answers_message_at: float | None = None
    # tap-to-answer choices shown with the last chunk where the channel can (buttons up to 3, a list beyond);
    # elsewhere the text alone asks the question
    choices: list[str] = Field(default_factory=list)
    created_at: float = Field(default_factory=time.time)

    @property
    def learner_key(self) -> str:
        return learner_key(self.channel, self.address)


def learner_key(channel: str, address: str) -> str:
    return f"{channel}:{address}"
