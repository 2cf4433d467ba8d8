"""Real audio for the tests, made here: espeak-ng speaking sentences, noise mixed in, silence, broken files."""

from __future__ import annotations

import base64
import functools

import numpy as np

from habla.voice.encode import encode
from habla.voice.synthesize import espeak

RATE = 16_000
SENTENCES = {
    "es": [
        "Buenos días, ¿cómo estás?",
        "Quiero un café con leche, por favor.",
        "El perro de mi hermana es muy grande.",
        "Mañana voy a la playa con mis amigos.",
    ],
    "en": [
        "Hello, how are you today?",
        "I would like a cup of coffee, please.",
        "My sister has a very big dog.",
        "Tomorrow I am going to the beach with my friends.",
    ],
}


@functools.lru_cache(maxsize=64)
def _spoken(text: str, language: str, rate_wpm: int) -> np.ndarray:
    from scipy.signal import resample_poly

    speech = espeak(text, language, rate_wpm)
    return resample_poly(speech.samples, RATE, speech.sample_rate).astype(np.float32)


def speech(text: str, language: str, rate_wpm: int = 140, pad_s: float = 0.4) -> np.ndarray:
    """16 kHz mono float32 of espeak-ng saying ``text``, with a little silence either side."""
    pad = np.zeros(int(pad_s * RATE), dtype=np.float32)
    return np.concatenate([pad, _spoken(text, language, rate_wpm), pad])


def with_noise(samples: np.ndarray, snr_db: float, seed: int = 7) -> np.ndarray:
    """White noise at ``snr_db`` below the speech's power (measured where there is speech)."""
    rng = np.random.default_rng(seed)
    voiced = samples[np.abs(samples) > 0.01]
    power = float(np.mean(voiced**2)) if voiced.size else 1e-4
    noise = rng.normal(0.0, np.sqrt(power / 10 ** (snr_db / 10)), len(samples)).astype(np.float32)
    return np.clip(samples + noise, -1.0, 1.0)


def silence(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * RATE), dtype=np.float32)


def note(samples: np.ndarray, fmt: str = "ogg") -> bytes:
    return encode(samples, RATE, fmt)[0]


def data_url(data: bytes, mime: str = "audio/ogg") -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"


def random_bytes(size: int = 4000, seed: int = 3) -> bytes:
    return np.random.default_rng(seed).integers(0, 256, size, dtype=np.uint8).tobytes()
