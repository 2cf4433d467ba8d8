"""Noise suppression with RNNoise, applied only when the note is noisy.

RNNoise costs ~0.1× real time and can smear clean speech a little, so a note is first measured: frames'
energies are ranked, the quiet end approximates the noise floor (the pauses between words), the loud end
the speech, and their gap estimates the signal-to-noise ratio.

RNNoise runs at 48 kHz on 10 ms frames of int16-scaled floats. We call its C library (shipped in the
``pyrnnoise`` wheel) directly: the package's Python wrapper drags in a plotting stack at import, and its
``denoise_wav`` is broken.
"""

from __future__ import annotations

import ctypes
import functools
import importlib.util
from pathlib import Path

import numpy as np

RNNOISE_RATE = 48_000
FRAME = 480  # 10 ms at 48 kHz
FLOOR_DB = -90.0


def estimate_snr_db(samples: np.ndarray, sample_rate: int, frame_ms: float = 20.0) -> float:
    """Loud frames (95th percentile) over quiet frames (10th percentile), in dB."""
    size = max(1, int(sample_rate * frame_ms / 1000))
    count = len(samples) // size
    if count < 5:
        return float("inf")
    frames = samples[: count * size].reshape(count, size).astype(np.float64)
    energy_db = 10 * np.log10(np.mean(frames * frames, axis=1) + 10 ** (FLOOR_DB / 10))
    speech, noise = np.percentile(energy_db, 95), np.percentile(energy_db, 10)
    if speech <= FLOOR_DB + 1:  # digital silence: no noise either
        return float("inf")
    return float(speech - noise)


def is_noisy(samples: np.ndarray, sample_rate: int, below_snr_db: float) -> bool:
    return below_snr_db > 0 and estimate_snr_db(samples, sample_rate) < below_snr_db


def denoise(samples: np.ndarray, sample_rate: int) -> np.ndarray:
    from scipy.signal import resample_poly

    lib = _library()
    high = resample_poly(samples, RNNOISE_RATE, sample_rate).astype(np.float32) * np.float32(32768)
    padded = np.zeros(-(-len(high) // FRAME) * FRAME, dtype=np.float32)
    padded[: len(high)] = high
    state = lib.rnnoise_create(None)
    try:
        pointer = ctypes.POINTER(ctypes.c_float)
        for start in range(0, len(padded), FRAME):
            frame = padded[start : start + FRAME]  # a contiguous view: processed in place
            address = frame.ctypes.data_as(pointer)
            lib.rnnoise_process_frame(state, address, address)
    finally:
        lib.rnnoise_destroy(state)
    low = resample_poly(padded[: len(high)] / np.float32(32768), sample_rate, RNNOISE_RATE)
    return np.clip(low, -1.0, 1.0).astype(np.float32)


def maybe_denoise(samples: np.ndarray, sample_rate: int, below_snr_db: float) -> tuple[np.ndarray, bool]:
    """(samples, whether RNNoise ran)."""
    if not is_noisy(samples, sample_rate, below_snr_db):
        return samples, False
    return denoise(samples, sample_rate), True


@functools.lru_cache(maxsize=1)
def _library() -> ctypes.CDLL:
    spec = importlib.util.find_spec("pyrnnoise")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("RNNoise is not installed (pip install pyrnnoise)")
    folder = Path(next(iter(spec.submodule_search_locations)))
    candidates = [folder / name for name in ("librnnoise.so", "librnnoise.dylib", "rnnoise.dll")]
    path = next((candidate for candidate in candidates if candidate.exists()), None)
    if path is None:
        raise RuntimeError(f"RNNoise library not found in {folder}")
    lib = ctypes.CDLL(str(path))
    lib.rnnoise_create.argtypes = [ctypes.c_void_p]
    lib.rnnoise_create.restype = ctypes.c_void_p
    lib.rnnoise_destroy.argtypes = [ctypes.c_void_p]
    lib.rnnoise_process_frame.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_float), ctypes.POINTER(ctypes.c_float)]
    lib.rnnoise_process_frame.restype = ctypes.c_float
    return lib
