"""The tutor's markup for what should also be *heard*: a line that starts with 🔊.

    🔊 *¿Dónde está la biblioteca?* — Where is the library?

The whole line stays in the text reply (the learner reads it); the phrase before the dash, stripped of
WhatsApp formatting, is spoken as a voice note. Pronunciation examples and new vocabulary get such lines;
explanations never do (the prompt says so), so only those become audio.
"""

from __future__ import annotations

import re

from pydantic import BaseModel

MARK = "🔊"
MAX_PHRASE_CHARS = 200
# the phrase ends at a gloss separator: " — ", " – ", " - ", " = ", " ("
_GLOSS = re.compile(r"\s+[—–=-]\s+|\s+\(")
_FORMATTING = re.compile(r"[*_~`]")


class VoiceItem(BaseModel):
    """One voice note to speak: ``text`` in ``language`` (ISO 639-1)."""

    text: str
    language: str


def voice_phrases(reply: str, limit: int = 3) -> list[str]:
    """The phrases of the reply's 🔊 lines, in order, without duplicates, at most ``limit``."""
    phrases: list[str] = []
    for line in reply.splitlines():
        stripped = line.strip().lstrip("•-> ").strip()
        if not stripped.startswith(MARK):
            continue
        phrase = _FORMATTING.sub("", _GLOSS.split(stripped[len(MARK) :].strip(), maxsplit=1)[0]).strip(" \"“”«»'")
        if phrase and phrase not in phrases and len(phrase) <= MAX_PHRASE_CHARS:
            phrases.append(phrase)
        if len(phrases) >= limit:
            break
    return phrases


def voice_items(reply: str, language: str, limit: int = 3) -> list[VoiceItem]:
    return [VoiceItem(text=phrase, language=language) for phrase in voice_phrases(reply, limit)]
