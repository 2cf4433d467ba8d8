"""Rules for what a learner typed before it reaches a model: empty, too long, garbled."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

REPLACEMENT = "\ufffd"


@dataclass(frozen=True)
class PreparedText:
    text: str  # what the model reads
    original_length: int
    notices: list[str] = field(default_factory=list)  # names from habla.domain.notices

    @property
    def empty(self) -> bool:
        return not self.text


def decode_transport_bytes(raw: bytes) -> tuple[str, bool]:
    """Bytes from a transport that promised UTF-8; invalid sequences become U+FFFD instead of an error."""
    text = raw.decode("utf-8", errors="replace")
    return text, REPLACEMENT in text and REPLACEMENT.encode() not in raw


def prepare(text: str, max_chars: int, garbled: bool = False) -> PreparedText:
    cleaned = _strip_invisible(text).strip()
    notices: list[str] = []
    if garbled or REPLACEMENT in cleaned:
        notices.append("garbled")
        cleaned = cleaned.replace(REPLACEMENT, "").strip()
    length = len(cleaned)
    if length > max_chars:
        notices.append("truncated")
        cleaned = _cut_at_word(cleaned, max_chars)
    return PreparedText(text=cleaned, original_length=length, notices=notices)


def is_emoji_only(text: str) -> bool:
    """True for messages like "👍🎉" — worth telling the model, which otherwise may answer oddly."""
    letters = [ch for ch in text if not ch.isspace()]
    return bool(letters) and all(unicodedata.category(ch) in {"So", "Sk", "Mn", "Cf"} for ch in letters)


def _strip_invisible(text: str) -> str:
    # Control characters (except newlines and tabs) are never meaningful in a chat message.
    return "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) != "Cc")


def _cut_at_word(text: str, limit: int) -> str:
    cut = text[:limit]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit * 0.8 else cut).rstrip()
