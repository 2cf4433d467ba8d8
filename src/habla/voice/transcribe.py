"""faster-whisper, loaded once per process, with the learner's language as a hint and a confidence per note.

Loading the model takes ~0.5 s and ~200 MB, so a process keeps one per (model, compute type, threads).
Language detection costs an extra pass (~1.3 s here), so the caller always passes a language.

Confidence. Whisper gives each segment ``avg_logprob`` (mean token log-probability) and
``no_speech_prob``. ``no_speech_prob`` alone is a poor judge (0.49 on clean speech here), so, as Whisper
itself does, a segment counts as "probably not speech" only when it is high *and* the text is improbable.
The log-probability is mapped onto 0–1 piecewise linearly through ``CALIBRATION``, and a segment that
repeats itself (compression ratio over 2.4, Whisper's hallucination loop) keeps a fifth of its score. The
note's confidence is the mean over segments weighted by their text length.

Calibration (bench/voice_confidence.py: 16 sentences in Spanish and English, clean, at 15, 5 and 0 dB SNR
and with the wrong language hint): clean notes transcribed word for word scored avg_logprob −0.23 to −0.74,
notes with a third of their words or more wrong −0.8 and below, and wrong-language notes −0.8 to −1.6. The
old straight line (−1.3 → 0, −0.15 → 1) put clean notes at 0.52–0.93, under the 0.7 repair threshold about
half the time, so the LLM was asked to repair notes that needed nothing. Now −0.75 maps to 0.7: clean
speech clears the threshold, and what is left below it is what a repair can help with.
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass, field

import numpy as np

from habla.errors import VoiceModelUnavailable
from habla.voice.models import resolve

log = logging.getLogger(__name__)

# (avg_logprob, confidence) anchors, interpolated between and clamped outside (see the docstring)
CALIBRATION = ((-1.3, 0.0), (-1.0, 0.35), (-0.75, 0.7), (-0.3, 1.0))
NO_SPEECH_PROB = 0.6
REPETITIVE_RATIO = 2.4

_models: dict[tuple[str, str, int], object] = {}
_load_lock = threading.Lock()


@dataclass(frozen=True)
class Segment:
    text: str
    avg_logprob: float
    no_speech_prob: float
    compression_ratio: float


@dataclass(frozen=True)
class Transcript:
    text: str
    language: str
    confidence: float
    segments: list[Segment] = field(default_factory=list)


def segment_confidence(segment: Segment) -> float:
    if segment.no_speech_prob > NO_SPEECH_PROB and segment.avg_logprob < -1.0:
        return 0.0
    score = float(np.interp(segment.avg_logprob, [x for x, _ in CALIBRATION], [y for _, y in CALIBRATION]))
    if segment.compression_ratio > REPETITIVE_RATIO:
        score *= 0.2
    return float(min(1.0, max(0.0, score)))


def note_confidence(segments: list[Segment]) -> float:
    weights = [max(1, len(segment.text.strip())) for segment in segments if segment.text.strip()]
    scored = [segment_confidence(segment) for segment in segments if segment.text.strip()]
    if not scored:
        return 0.0
    return float(np.average(scored, weights=weights))


class Transcriber:
    def __init__(self, model: str, *, compute_type: str = "int8", cpu_threads: int = 0, beam_size: int = 1) -> None:
        self.model_name = model
        self.compute_type = compute_type
        self.cpu_threads = cpu_threads or (os.cpu_count() or 1)
        self.beam_size = beam_size

    def load(self):
        """The process's model, loading it the first time (thread-safe: concurrent first calls load once)."""
        path = resolve(self.model_name)
        key = (path, self.compute_type, self.cpu_threads)
        model = _models.get(key)
        if model is not None:
            return model
        with _load_lock:
            model = _models.get(key)
            if model is None:
                model = _load(path, self.compute_type, self.cpu_threads)
                _models[key] = model
        return model

    def transcribe(self, samples: np.ndarray, language: str) -> Transcript:
        model = self.load()
        found, info = model.transcribe(
            samples,
            language=language,
            beam_size=self.beam_size,
            # one warmer retry, only when the greedy pass loops: an improbable (noisy) note rarely improves
            # on a retry, and each retry costs a full decode
            temperature=(0.0, 0.4),
            log_prob_threshold=None,
            condition_on_previous_text=False,  # a learner's error must not steer the next segment
            # timestamps on: without them Whisper may close a 30 s window after its first sentence, and the
            # rest of that window is lost (seen here: 11 of 86 words of a 30 s note); with them it resumes
            without_timestamps=False,
            vad_filter=False,  # segment.py already cut the silences
        )
        segments = [
            Segment(item.text, item.avg_logprob, item.no_speech_prob, item.compression_ratio) for item in found
        ]
        text = " ".join(segment.text.strip() for segment in segments if segment.text.strip())
        return Transcript(text=text, language=info.language or language, confidence=note_confidence(segments), segments=segments)


def _load(path: str, compute_type: str, cpu_threads: int):
    try:
        from faster_whisper import WhisperModel
    except ImportError as exc:
        raise VoiceModelUnavailable("faster-whisper is not installed: run scripts/install.sh") from exc
    try:
        model = WhisperModel(path, device="cpu", compute_type=compute_type, cpu_threads=cpu_threads, local_files_only=os.path.isdir(path))
    except Exception as exc:  # a missing download, a corrupt file, an unknown compute type: say which
        raise VoiceModelUnavailable(f"could not load speech model {path!r}: {type(exc).__name__}: {exc}") from exc
    log.info("speech model loaded: %s (%s, %d threads)", path, compute_type, cpu_threads)
    return model
