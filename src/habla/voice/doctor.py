"""`habla doctor`'s voice checks: which speech model loads, how fast it transcribes here, which TTS speaks."""

from __future__ import annotations

import time

from habla.config import VoiceSettings
from habla.errors import VoiceError

PROBE_TEXT = "Hello, this is a short test of the speech model. The quick brown fox jumps over the lazy dog."


def check_speech(settings: VoiceSettings) -> tuple[bool, str]:
    """Load the model and transcribe a synthetic note: (ok, what loaded and its real-time factor)."""
    from scipy.signal import resample_poly

    from habla.voice.decode import SAMPLE_RATE
    from habla.voice.models import resolve
    from habla.voice.synthesize import espeak
    from habla.voice.transcribe import Transcriber

    transcriber = Transcriber(
        settings.model, compute_type=settings.compute_type, cpu_threads=settings.cpu_threads, beam_size=settings.beam_size
    )
    try:
        path = resolve(settings.model)
        started = time.perf_counter()
        transcriber.load()
        load_s = time.perf_counter() - started
        speech = espeak(PROBE_TEXT, "en", 150)
        samples = resample_poly(speech.samples, SAMPLE_RATE, speech.sample_rate).astype("float32")
        started = time.perf_counter()
        transcript = transcriber.transcribe(samples, "en")
        took = time.perf_counter() - started
    except VoiceError as exc:
        return False, f"{exc} (voice notes get a 'not set up' reply until then)"
    seconds = len(samples) / SAMPLE_RATE
    return True, (
        f"{path} ({settings.compute_type}, beam {settings.beam_size}, {transcriber.cpu_threads} threads) loaded in "
        f"{load_s:.1f} s; a {seconds:.1f} s note → text in {took:.2f} s (RTF {took / seconds:.2f}), "
        f"confidence {transcript.confidence:.2f}"
    )


def check_tts(settings: VoiceSettings) -> tuple[bool, str]:
    from habla.voice.synthesize import synthesize

    spoken = []
    try:
        speech = synthesize("hola", "es", rate_wpm=settings.speech_rate_wpm)
        spoken.append(f"espeak-ng ({speech.sample_rate} Hz)")
        if settings.tts_engine == "piper":
            for language, spec in settings.piper_voices.items():
                started = time.perf_counter()
                synthesize("hello", language, engine="piper", piper_voices=settings.piper_voices)
                spoken.append(f"Piper {language}={spec} ({time.perf_counter() - started:.1f} s first call)")
    except VoiceError as exc:
        return False, f"{exc}; pronunciation examples go out as text only"
    return True, "voice notes out: " + ", ".join(spoken)
