"""The sender's voice branch: speak a reply's 🔊 items and send them as voice notes, each at most once.

Voice items go after the text chunks and are recorded as deliveries with the indices that follow the
chunks' (``len(chunks) + i``), so a redelivered outbound message resumes exactly like text. A channel
without ``send_audio`` (the console) simply gets the text; a phrase the TTS engine cannot speak is
skipped with a warning: its text is already in the reply.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Awaitable, Callable

from habla.channels.base import Channel, VoiceNotes
from habla.config import VoiceSettings
from habla.domain.messages import Outbound, hashed
from habla.errors import SynthesisError
from habla.voice.encode import MIME, encode_ogg_opus
from habla.voice.synthesize import synthesize

log = logging.getLogger(__name__)

MAX_VOICE_NOTE_S = 60.0  # an example longer than this is not a pronunciation example


def speak(text: str, language: str, settings: VoiceSettings) -> bytes:
    """Blocking: text → Ogg/Opus bytes of a WhatsApp voice note."""
    speech = synthesize(
        text, language, engine=settings.tts_engine, piper_voices=settings.piper_voices, rate_wpm=settings.speech_rate_wpm
    )
    if speech.duration_s == 0:
        raise SynthesisError("the TTS engine produced no audio")
    samples = speech.samples[: int(MAX_VOICE_NOTE_S * speech.sample_rate)]
    return encode_ogg_opus(samples, speech.sample_rate)


async def send_voice_items(
    outbound: Outbound,
    channel: Channel,
    services,
    done: set[int],
    deliver: Callable[[int, Callable[[], Awaitable[None]]], Awaitable[bool]],
) -> int:
    """Send the items not yet delivered; returns how many went out now. ``deliver(index, send)`` is the
    sender's: at most once per index, with the provider's delivery evidence, recorded."""
    if not isinstance(channel, VoiceNotes) or not outbound.voice:
        return 0
    settings: VoiceSettings = services.settings.voice
    sent = 0
    for offset, item in enumerate(outbound.voice[: settings.max_voice_items]):
        index = len(outbound.chunks) + offset
        if index in done:
            continue
        try:
            data = await asyncio.to_thread(speak, item.text, item.language, settings)
        except SynthesisError as exc:
            log.warning("voice example not spoken learner=%s: %s", hashed(outbound.learner_key), exc)
            continue
        key = f"{outbound.outbound_id}:{index}"

        async def send(data: bytes = data, key: str = key) -> None:
            await channel.send_audio(outbound.address, data, MIME, idempotency_key=key)

        sent += await deliver(index, send)
    if sent:
        log.info("sent learner=%s voice_notes=%d channel=%s", hashed(outbound.learner_key), sent, channel.name)
    return sent
