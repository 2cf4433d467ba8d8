"""The voice agent: a learner's voice note in, "🎙️ I heard: …" out, and the transcript on to the tutor.

It consumes its own topic ("voice"), so text turns never queue behind transcription; run more of it with
``habla worker --agents voice``. Each process loads the speech model once, lazily, and transcribes on a
worker thread (``HABLA_VOICE__CONCURRENCY`` at a time), so the event loop keeps renewing bus leases and
serving other messages while the model runs.

The transcript travels on to the "inbound" topic as a TEXT message with a derived id
(``<message id>:transcript``) and the same learner key, so the conversation agent answers it like a typed
message, once: its turn is keyed by that id, and the "I heard" reply by an id derived from the note.

Nothing goes unanswered: too long, too big, empty, silent, corrupt or unsupported audio, a failed
download, a missing model, even an unexpected error each get a short, friendly reply, and the worker keeps
running.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
import time
import urllib.parse
from pathlib import Path

from habla.agents.dedupe import first_delivery
from habla.agents import fair_use as fair_use_gate
from habla.agents.learners import learner_for
from habla.agents import outbox
from habla.agents.outbox import publish_receipt
from habla.bus.base import Envelope
from habla.domain.learner import is_blocked
from habla.domain.messages import Inbound, InboundKind, Outbound, hashed
from habla.domain.voice_text import limit_values, pronunciation_feedback, voice_notice
from habla.channels.base import MediaSource
from habla.errors import AudioTooLarge, ChannelError, ChannelRateLimited, MediaError, MediaTooLarge, VoiceError
from habla.services import Services
from habla.voice.pipeline import NoteResult, pipeline_for, run_in_voice_thread
from habla.voice.practice import score_attempt
from habla.voice.repair import repair

log = logging.getLogger(__name__)

TOPIC = "voice"
LOCAL_MEDIA_CHANNELS = {"console"}  # may name a file on this machine (the operator's own terminal)
DATA_URL_CHANNELS = {"console", "simulator"}  # may carry the audio inline as a data: URL


async def handle(envelope: Envelope, services: Services) -> None:
    inbound = Inbound.model_validate(envelope.payload)
    if not await first_delivery(services, inbound, envelope):
        return
    settings = services.settings
    learner = await learner_for(services, inbound)
    if is_blocked(learner.profile):
        log.info("voice note from blocked learner=%s; no reply", hashed(learner.id))
        return
    if await fair_use_gate.screen_voice(services, inbound, learner):
        return  # blocked, flooding or past the quota: answered (or dropped) before any download or model
    native, target = learner.profile.native_language, learner.profile.target_language
    started = time.perf_counter()
    await publish_receipt(services, inbound)  # "read", and typing… while we listen
    # the learner wrote to us: WhatsApp's 24-hour window counts from now, also for our "I heard" reply
    await services.store.touch_learner(learner.id, inbound.received_at)
    try:
        data = await fetch_audio(services, inbound)
        pipeline = pipeline_for(settings.voice)
        languages = [target] + ([native] if native != target else [])
        result: NoteResult = await run_in_voice_thread(settings.voice, pipeline.transcribe_note, data, languages)
    except VoiceError as exc:
        log.info("voice note refused learner=%s reason=%s", hashed(learner.id), exc.reason)
        log.debug("voice note refused: %s", exc)
        await _reply(services, inbound, voice_notice(exc.reason, native, **limit_values(settings.voice.max_duration_s, settings.voice.max_bytes)))
        return
    except ChannelRateLimited:
        raise  # the bus retries later; the provider asked us to wait
    except ChannelError as exc:
        log.warning("voice note download failed learner=%s: %s", hashed(learner.id), type(exc).__name__)
        await _reply(services, inbound, voice_notice("download_failed", native))
        return
    except Exception:  # the learner hears back whatever happened; the operator gets the traceback
        log.exception("voice note failed learner=%s", hashed(learner.id))
        await _reply(services, inbound, voice_notice("error", native))
        return

    await services.store.record_stage("voice", (time.time() - inbound.received_at) * 1000, learner.id)
    transcript = result.transcript
    text, feedback, repaired = transcript.text, None, False
    attempt = await score_attempt(services.store, learner, transcript.text)
    if attempt is not None:
        feedback = pronunciation_feedback(attempt, native)
    elif transcript.confidence < settings.voice.confidence_threshold:
        recent = await services.store.recent_turns(learner.id, 4)
        fixed = await repair(services.llm, text, transcript.language, recent, learner.id)
        if fixed and fixed != text:
            text, repaired = fixed, True
    log.info(
        "voice note learner=%s s=%.1f speech_s=%.1f confidence=%.2f repaired=%s practice=%s denoised=%s ms=%.0f",
        hashed(learner.id), result.duration_s, result.speech_s, transcript.confidence, repaired,
        attempt is not None, result.denoised, (time.perf_counter() - started) * 1000,
    )
    log.debug("voice note stages ms=%s", result.timings_ms)
    heard = voice_notice("heard", native, text=text)
    await _reply(services, inbound, "\n\n".join(part for part in (heard, feedback) if part), kind="heard")
    await _forward(services, inbound, text, result, repaired, attempt)


async def fetch_audio(services: Services, inbound: Inbound) -> bytes:
    """The note's bytes: from the channel's media API, or (console, simulator) a data: URL or local file."""
    limit = services.settings.voice.max_bytes
    url = inbound.media_url or ""
    if url.startswith("data:") and inbound.channel in DATA_URL_CHANNELS:
        data = _data_url(url)
    elif url and inbound.channel in LOCAL_MEDIA_CHANNELS and not url.startswith(("http://", "https://")):
        path = Path(urllib.parse.urlparse(url).path if url.startswith("file:") else url).expanduser()
        if not path.is_file():
            raise MediaError(f"no audio file at {path}")
        if path.stat().st_size > limit:
            raise AudioTooLarge(f"{path.stat().st_size} bytes")
        data = path.read_bytes()
    else:
        channel = services.channels.get(inbound.channel)
        if not isinstance(channel, MediaSource):
            raise MediaError(f"channel {inbound.channel!r} cannot download media")
        try:
            data, _mime = await channel.download_media(inbound)
        except MediaTooLarge as exc:  # the channel refused to download past its size limit
            raise AudioTooLarge(str(exc)) from exc
    if len(data) > limit:
        raise AudioTooLarge(f"{len(data)} bytes, over the {limit}-byte limit")
    return data


def _data_url(url: str) -> bytes:
    header, _, payload = url.partition(",")
    try:
        if header.endswith(";base64"):
            return base64.b64decode(payload, validate=True)
        return urllib.parse.unquote_to_bytes(payload)
    except (binascii.Error, ValueError) as exc:
        raise MediaError("the data: URL is not valid base64") from exc


async def _reply(services: Services, inbound: Inbound, text: str, kind: str = "refused") -> None:
    """``kind``: "heard" (the transcript follows to the tutor) or "refused" (this reply is the whole answer)."""
    outbound = Outbound(
        outbound_id=_derived_id(kind, inbound),
        channel=inbound.channel,
        address=inbound.address,
        chunks=[text],
        in_reply_to=inbound.message_id,
    )
    await outbox.publish(services, outbound)


async def _forward(services: Services, inbound: Inbound, text: str, result: NoteResult, repaired: bool, attempt) -> None:
    transcript = Inbound(
        channel=inbound.channel,
        address=inbound.address,
        message_id=transcript_id(inbound),
        kind=InboundKind.TEXT,
        text=text,
        group_id=inbound.group_id,
        received_at=inbound.received_at,
        extra={
            "transcript_of": inbound.message_id,  # the provider's id of the note (read receipts point at it)
            "transcript": {
                "duration_s": round(result.duration_s, 2),
                "language": result.transcript.language,
                "confidence": round(result.transcript.confidence, 3),
                "repaired": repaired,
                "practice_target": attempt.target if attempt is not None else None,
            }
        },
    )
    await services.bus.publish("inbound", transcript.learner_key, transcript.model_dump(mode="json"))


def transcript_id(inbound: Inbound) -> str:
    """The transcript's message id: the note's id plus ":transcript" (hashed when that would be too long)."""
    if len(inbound.message_id) <= 160:
        return f"{inbound.message_id}:transcript"
    return hashlib.sha256(inbound.message_id.encode()).hexdigest() + ":transcript"


def _derived_id(kind: str, inbound: Inbound) -> str:
    """Stable across redeliveries (the sender never sends one twice) and within the 64-character column."""
    return f"{kind}-" + hashlib.sha256(f"{inbound.channel}:{inbound.message_id}".encode()).hexdigest()[:40]
