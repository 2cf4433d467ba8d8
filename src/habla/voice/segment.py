"""Split a note at its silences with Silero VAD (bundled in faster-whisper; ~0.003× real time here).

Only the speech goes on to Whisper: long pauses cost decoding time and invite hallucinated text, and a note
with no speech at all is answered at once instead of being transcribed into nonsense.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

JOIN_GAP_S = 0.2  # a short silence between joined pieces keeps word boundaries audible to the model


@dataclass(frozen=True)
class Span:
    start: int  # sample index
    end: int


def speech_spans(
    samples: np.ndarray,
    sample_rate: int,
    *,
    threshold: float = 0.5,
    min_speech_ms: int = 150,
    min_silence_ms: int = 600,
    pad_ms: int = 200,
) -> list[Span]:
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    options = VadOptions(
        threshold=threshold, min_speech_duration_ms=min_speech_ms, min_silence_duration_ms=min_silence_ms, speech_pad_ms=pad_ms
    )
    found = get_speech_timestamps(samples, vad_options=options, sampling_rate=sample_rate)
    return [Span(int(item["start"]), int(item["end"])) for item in found]


def join_speech(samples: np.ndarray, spans: list[Span], sample_rate: int) -> np.ndarray:
    if not spans:
        return np.zeros(0, dtype=np.float32)
    gap = np.zeros(int(JOIN_GAP_S * sample_rate), dtype=np.float32)
    pieces: list[np.ndarray] = []
    for span in spans:
        if pieces:
            pieces.append(gap)
        pieces.append(samples[span.start : span.end])
    return np.concatenate(pieces).astype(np.float32, copy=False)


def speech_seconds(spans: list[Span], sample_rate: int) -> float:
    return sum(span.end - span.start for span in spans) / sample_rate
