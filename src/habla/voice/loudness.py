"""EBU R128 loudness normalisation (pyloudnorm), then a soft peak limit.

Learners record whispering into the microphone or shouting across the kitchen; Whisper is steadier on
speech at a known level. The gain is capped so a near-silent note is not blown up into loud hiss, and the
limiter bends peaks smoothly instead of clipping them (a hard clip adds harmonics the model hears).
"""

from __future__ import annotations

import functools

import numpy as np

TARGET_LUFS = -20.0
CEILING_DBFS = -1.0
MAX_GAIN_DB = 30.0
MIN_MEASURABLE_S = 0.4  # one EBU R128 gating block


def normalize(
    samples: np.ndarray,
    sample_rate: int,
    *,
    target_lufs: float = TARGET_LUFS,
    ceiling_dbfs: float = CEILING_DBFS,
    max_gain_db: float = MAX_GAIN_DB,
) -> np.ndarray:
    loudness = integrated_loudness(samples, sample_rate)
    if loudness is None:  # too short or silent: nothing to measure, only keep peaks in range
        return limit_peaks(samples, ceiling_dbfs)
    gain_db = min(target_lufs - loudness, max_gain_db)
    return limit_peaks(samples * np.float32(10 ** (gain_db / 20)), ceiling_dbfs)


def integrated_loudness(samples: np.ndarray, sample_rate: int) -> float | None:
    """LUFS, or None when the audio is shorter than one gating block or silent."""
    if len(samples) < MIN_MEASURABLE_S * sample_rate or not np.any(samples):
        return None
    loudness = _meter(sample_rate).integrated_loudness(samples.astype(np.float64, copy=False))
    return float(loudness) if np.isfinite(loudness) else None


def limit_peaks(samples: np.ndarray, ceiling_dbfs: float = CEILING_DBFS, knee: float = 0.8) -> np.ndarray:
    """Leave everything below ``knee`` × ceiling alone; compress the rest smoothly towards the ceiling."""
    ceiling = np.float32(10 ** (ceiling_dbfs / 20))
    threshold = np.float32(knee) * ceiling
    out = samples.astype(np.float32, copy=True)
    loud = np.abs(out) > threshold
    if np.any(loud):
        span = ceiling - threshold
        excess = (np.abs(out[loud]) - threshold) / span
        out[loud] = np.sign(out[loud]) * (threshold + span * np.tanh(excess))
    return out


@functools.lru_cache(maxsize=4)
def _meter(sample_rate: int):
    import pyloudnorm

    return pyloudnorm.Meter(sample_rate)
