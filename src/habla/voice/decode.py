"""Any audio a channel sends (OGG/Opus, WebM/Opus, M4A/AAC, MP3, WAV…) → 16 kHz mono float32, with limits.

PyAV decodes in-process (no ffmpeg subprocess). The container is recognised from the bytes, not trusted
from the MIME type (browsers label WebM as audio/ogg and some phones send M4A as audio/mpeg), and only the
audio containers in ``sniff.ALLOWED`` are opened, each with its own demuxer named: FFmpeg's probing would
otherwise let a note be a playlist or concat script that reads files off this server (voice/sniff.py).
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass

import numpy as np

from habla.errors import AudioCorrupt, AudioEmpty, AudioTooLarge, AudioTooLong, AudioUnsupported
from habla.voice.sniff import container_of, looks_like_text

log = logging.getLogger(__name__)

SAMPLE_RATE = 16_000
# A decode error after this much audio means a truncated note: keep what came through.
MIN_PARTIAL_S = 0.5


@dataclass(frozen=True)
class Audio:
    samples: np.ndarray  # float32, mono, in [-1, 1]
    sample_rate: int = SAMPLE_RATE
    truncated: bool = False  # the stream broke off; ``samples`` holds what decoded before it did

    @property
    def duration_s(self) -> float:
        return len(self.samples) / self.sample_rate


def decode(data: bytes, *, max_seconds: float = 300.0, max_bytes: int | None = None) -> Audio:
    """Raises AudioEmpty, AudioTooLarge, AudioTooLong, AudioCorrupt or AudioUnsupported."""
    import av

    if not data:
        raise AudioEmpty("no bytes")
    if max_bytes is not None and len(data) > max_bytes:
        raise AudioTooLarge(f"{len(data)} bytes, over the {max_bytes}-byte limit")
    container_format = container_of(data)
    if container_format is None:
        if looks_like_text(data):
            raise AudioUnsupported("text, not audio")
        raise AudioCorrupt("not an audio container we accept")
    try:
        container = av.open(io.BytesIO(data), mode="r", format=container_format, metadata_errors="ignore")
    except av.error.FFmpegError as exc:
        raise AudioCorrupt(f"not a readable media file ({type(exc).__name__})") from exc
    with container:
        if not container.streams.audio:
            raise AudioUnsupported(f"no audio stream in {container.format.name}")
        stream = container.streams.audio[0]
        if container.duration is not None and container.duration / av.time_base > max_seconds + 1:
            raise AudioTooLong(f"{container.duration / av.time_base:.0f} s, over the {max_seconds:.0f} s limit")
        samples, truncated = _decode_stream(container, stream, int(max_seconds * SAMPLE_RATE))
    if samples.size == 0:
        raise AudioEmpty("the file holds no audio")
    return Audio(samples=samples, truncated=truncated)


def _decode_stream(container, stream, limit: int) -> tuple[np.ndarray, bool]:
    import av

    try:
        resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)
    except (av.error.FFmpegError, ValueError) as exc:
        raise AudioUnsupported(f"cannot resample {stream.codec_context.name}") from exc
    parts: list[np.ndarray] = []
    total = 0
    truncated = False
    try:
        for frame in container.decode(stream):
            for out in resampler.resample(frame):
                total += out.samples
                if total > limit:
                    raise AudioTooLong(f"longer than the {limit // SAMPLE_RATE} s limit")
                parts.append(out.to_ndarray().reshape(-1))
        for out in resampler.resample(None):
            parts.append(out.to_ndarray().reshape(-1))
    except av.error.DecoderNotFoundError as exc:
        raise AudioUnsupported(f"no decoder for {stream.codec_context.name}") from exc
    except (av.error.FFmpegError, ValueError) as exc:
        if total < MIN_PARTIAL_S * SAMPLE_RATE:
            raise AudioCorrupt(f"undecodable audio ({type(exc).__name__})") from exc
        log.info("audio stream broke off after %.1f s; keeping what decoded", total / SAMPLE_RATE)
        truncated = True
    if not parts:
        return np.zeros(0, dtype=np.float32), truncated
    samples = np.concatenate(parts).astype(np.float32, copy=False)
    np.clip(samples, -1.0, 1.0, out=samples)
    return samples, truncated
