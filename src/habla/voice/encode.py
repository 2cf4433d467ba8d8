"""Samples → an Ogg/Opus mono file, which WhatsApp plays as a voice note (in-process with PyAV, ~tens of ms).

WhatsApp's Cloud API accepts audio/ogg only with the Opus codec, and shows it as a voice message when it is
mono. 24 kbit/s is plenty for speech and keeps a minute under 200 kB, far below the 16 MB media limit.
The other formats are what learners' apps and browsers send; the tests and the benchmark make them here.
"""

from __future__ import annotations

import io

import numpy as np

MIME = "audio/ogg"
# format -> (codec, container, MIME type, codec sample rate)
FORMATS = {
    "ogg": ("libopus", "ogg", "audio/ogg", 48_000),
    "webm": ("libopus", "webm", "audio/webm", 48_000),
    "m4a": ("aac", "ipod", "audio/mp4", 44_100),
    "mp3": ("libmp3lame", "mp3", "audio/mpeg", 44_100),
    "wav": ("pcm_s16le", "wav", "audio/wav", 16_000),
}


def encode_ogg_opus(samples: np.ndarray, sample_rate: int, *, bitrate: int = 24_000) -> bytes:
    return encode(samples, sample_rate, "ogg", bitrate=bitrate)[0]


def encode(samples: np.ndarray, sample_rate: int, fmt: str = "ogg", *, bitrate: int = 24_000) -> tuple[bytes, str]:
    """(file bytes, MIME type) of mono ``samples`` (float in [-1, 1]) in one of ``FORMATS``."""
    import av

    codec, container_format, mime, rate = FORMATS[fmt]
    pcm = (np.clip(np.asarray(samples, dtype=np.float32).reshape(-1), -1.0, 1.0) * 32767).astype(np.int16)
    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format=container_format) as container:
        stream = container.add_stream(codec, rate=rate, layout="mono")
        if codec != "pcm_s16le":
            stream.bit_rate = bitrate if codec == "libopus" else max(bitrate, 64_000)
        resampler = av.AudioResampler(format=stream.codec_context.format.name, layout="mono", rate=rate)
        frame = av.AudioFrame.from_ndarray(pcm.reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate = sample_rate
        for out in [*resampler.resample(frame), *resampler.resample(None)]:
            container.mux(stream.encode(out))
        container.mux(stream.encode(None))
    return buffer.getvalue(), mime
