"""The inbound stages in order, timed one by one; one pipeline (and one model) per worker process.

Everything here is blocking CPU work: the voice agent runs ``transcribe_note`` on the process's voice
executor (``run_in_voice_thread``), so the event loop keeps serving other messages meanwhile.
"""

from __future__ import annotations

import asyncio
import functools
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Callable, TypeVar

import numpy as np

from habla.config import VoiceSettings
from habla.errors import NoSpeech
from habla.voice.decode import SAMPLE_RATE, decode
from habla.voice.denoise import denoise, is_noisy
from habla.voice.loudness import normalize
from habla.voice.segment import join_speech, speech_seconds, speech_spans
from habla.voice.transcribe import Transcriber, Transcript

T = TypeVar("T")
MIN_SPEECH_S = 0.25
# A note transcribed with the wrong language hint scored avg_logprob −0.8 to −1.6 here (confidence 0.0–0.6 on
# transcribe.CALIBRATION), clear speech in the right one −0.23 to −0.74 (0.7–1): below this the learner
# probably switched language, and the other hints are tried.
TRY_OTHER_LANGUAGE_BELOW = 0.45


@dataclass
class NoteResult:
    transcript: Transcript
    duration_s: float
    speech_s: float
    denoised: bool
    truncated: bool
    timings_ms: dict[str, float] = field(default_factory=dict)


class _Clock:
    def __init__(self) -> None:
        self.timings: dict[str, float] = {}

    def run(self, stage: str, function: Callable[..., T], *args, **kwargs) -> T:
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            self.timings[stage] = round((time.perf_counter() - started) * 1000, 2)


class VoicePipeline:
    def __init__(self, settings: VoiceSettings) -> None:
        self.settings = settings
        self.transcriber = Transcriber(
            settings.model, compute_type=settings.compute_type, cpu_threads=settings.cpu_threads, beam_size=settings.beam_size
        )

    def prepare(self, data: bytes, clock: _Clock | None = None) -> tuple[list[np.ndarray], dict]:
        """Decode → loudness → speech only (VAD), plus a denoised copy when the note is noisy.

        Returns the speech to try in order (denoised first when there is one) and facts about the note.
        Raises a VoiceError for bad or silent audio.
        """
        clock = clock or _Clock()
        settings = self.settings
        audio = clock.run("decode", decode, data, max_seconds=settings.max_duration_s, max_bytes=settings.max_bytes)
        # noise is judged on the note as recorded: the loudness stage's peak limiter would flatter it
        noisy = clock.run("noise_estimate", is_noisy, audio.samples, SAMPLE_RATE, settings.denoise_below_snr_db)
        samples = clock.run("loudness", normalize, audio.samples, SAMPLE_RATE)
        # Silero finds speech in noise well; cutting on the original keeps RNNoise from deciding what is speech
        spans = clock.run("segment", speech_spans, samples, SAMPLE_RATE)
        speech_s = speech_seconds(spans, SAMPLE_RATE)
        if speech_s < MIN_SPEECH_S:
            raise NoSpeech(f"no speech in {audio.duration_s:.1f} s of audio")
        candidates = [join_speech(samples, spans, SAMPLE_RATE)]
        if noisy:
            cleaned = clock.run("denoise", denoise, samples, SAMPLE_RATE)
            candidates.insert(0, join_speech(cleaned, spans, SAMPLE_RATE))
        facts = {"duration_s": audio.duration_s, "speech_s": speech_s, "denoised": noisy, "truncated": audio.truncated}
        return candidates, facts

    def transcribe_note(self, data: bytes, languages: list[str]) -> NoteResult:
        """``languages``: the hint first (the target language), then fallbacks tried only when unsure.

        A denoised note that still comes out unsure is transcribed as recorded too, and the surer one kept:
        RNNoise sometimes removes speech along with the noise (on synthetic voices here, even all of it).
        """
        clock = _Clock()
        candidates, facts = self.prepare(data, clock)
        speech = candidates[0]
        best = clock.run("transcribe", self.transcriber.transcribe, speech, languages[0])
        if len(candidates) > 1 and best.confidence < self.settings.confidence_threshold:
            raw = clock.run("transcribe_undenoised", self.transcriber.transcribe, candidates[1], languages[0])
            if raw.confidence > best.confidence:
                best, speech = raw, candidates[1]
                facts["denoised"] = False
        for language in languages[1:]:
            if best.confidence >= TRY_OTHER_LANGUAGE_BELOW:
                break
            # the learner may have switched to their native language for this note
            other = clock.run(f"transcribe_{language}", self.transcriber.transcribe, speech, language)
            if other.confidence > best.confidence + 0.05:
                best = other
        if not best.text.strip():
            raise NoSpeech("the model heard no words")
        return NoteResult(transcript=best, timings_ms=clock.timings, **facts)


_pipelines: dict[str, VoicePipeline] = {}


def pipeline_for(settings: VoiceSettings) -> VoicePipeline:
    """One per distinct voice settings in this process (the model itself is shared by ``Transcriber``)."""
    key = settings.model_dump_json()
    if key not in _pipelines:
        _pipelines[key] = VoicePipeline(settings)
    return _pipelines[key]


_executors: dict[int, ThreadPoolExecutor] = {}


async def run_in_voice_thread(settings: VoiceSettings, function: Callable[..., T], *args) -> T:
    """At most ``settings.concurrency`` notes at once in this process: more threads only fight for cores."""
    size = max(1, settings.concurrency)
    executor = _executors.get(size)
    if executor is None:
        executor = _executors.setdefault(size, ThreadPoolExecutor(max_workers=size, thread_name_prefix="habla-voice"))
    return await asyncio.get_running_loop().run_in_executor(executor, functools.partial(function, *args))
