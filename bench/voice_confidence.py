"""How well the transcript confidence separates notes that need a repair from notes that do not.

Sixteen sentences (Spanish and English, espeak-ng speech) are transcribed clean, with white noise at 15, 5
and 0 dB SNR, and with the wrong language hint; each result's word error rate against the sentence is set
beside its confidence. Prints one JSON line: per condition the confidences, and the two rates the repair
threshold (HABLA_VOICE__CONFIDENCE_THRESHOLD) trades: correct notes it would send to the LLM anyway
(needless repairs) and notes with a third of their words or more wrong that it would pass as sure.
Calibration for habla.voice.transcribe.CALIBRATION.

    .venv/bin/python -m bench.voice_confidence
"""

from __future__ import annotations

import json
import statistics

from habla.config import VoiceSettings
from habla.voice.pipeline import VoicePipeline
from habla.voice.pronunciation import word_error_rate
from habla_testkit.audio import SENTENCES, note, speech, with_noise

MORE = {
    "es": ["Ayer comí una paella deliciosa en el restaurante.", "¿Dónde está la estación de tren?",
           "Me gusta leer libros por la noche.", "Hace mucho calor en verano."],
    "en": ["Where is the train station?", "I like reading books at night.", "It is very hot in the summer.",
           "Yesterday I ate a delicious dinner."],
}
CONDITIONS = ("clean", "snr15", "snr5", "snr0", "wrong_language")


def main() -> None:
    settings = VoiceSettings(denoise_below_snr_db=0)  # the recogniser's own confidence, before RNNoise helps
    pipeline = VoicePipeline(settings)
    threshold = settings.confidence_threshold
    results: list[dict] = []
    for language in ("es", "en"):
        other = "en" if language == "es" else "es"
        for sentence in SENTENCES[language] + MORE[language]:
            for condition in CONDITIONS:
                samples = speech(sentence, language)
                if condition.startswith("snr"):
                    samples = with_noise(samples, float(condition[3:]))
                hint = other if condition == "wrong_language" else language
                try:
                    transcript = pipeline.transcribe_note(note(samples), [hint]).transcript
                except Exception as exc:  # a note heard as silence: counted, not fatal
                    results.append({"condition": condition, "confidence": 0.0, "wer": 1.0, "error": type(exc).__name__})
                    continue
                results.append({"condition": condition, "confidence": round(transcript.confidence, 3),
                                "wer": round(word_error_rate(sentence, transcript.text), 3)})
    correct = [r for r in results if r["wer"] == 0.0]
    wrong = [r for r in results if r["wer"] >= 1 / 3]
    summary = {
        "benchmark": "voice_confidence",
        "threshold": threshold,
        "notes": len(results),
        "by_condition": {
            condition: {
                "median_confidence": round(statistics.median(r["confidence"] for r in results if r["condition"] == condition), 3),
                "median_wer": round(statistics.median(r["wer"] for r in results if r["condition"] == condition), 3),
            }
            for condition in CONDITIONS
        },
        "correct_notes": len(correct),
        "correct_sent_to_repair": sum(1 for r in correct if r["confidence"] < threshold),
        "clean_correct_sent_to_repair": sum(1 for r in correct if r["confidence"] < threshold and r["condition"] == "clean"),
        "clean_correct_notes": sum(1 for r in correct if r["condition"] == "clean"),
        "wrong_notes": len(wrong),
        "wrong_passed_as_sure": sum(1 for r in wrong if r["confidence"] >= threshold),
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
