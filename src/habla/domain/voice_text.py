"""What the learner reads about their voice note: what we heard, why we could not, and pronunciation feedback.

In the learner's native language when we have it, English otherwise (like domain/notices.py).
"""

from __future__ import annotations

from habla.domain.notices import localized

VOICE_NOTICES: dict[str, dict[str, str]] = {
    "heard": {"en": "🎙️ I heard: “{text}”", "es": "🎙️ Entendí: «{text}»"},
    "too_long": {
        "en": "🎙️ That voice note is too long for me (the limit is {minutes} minutes). Please send shorter ones!",
        "es": "🎙️ Esa nota de voz es demasiado larga para mí (el límite es de {minutes} minutos). ¡Envíame notas más cortas!",
    },
    "too_big": {
        "en": "🎙️ That voice note is too big for me to download (the limit is {megabytes} MB). Please send a shorter one.",
        "es": "🎙️ Esa nota de voz es demasiado grande para descargarla (el límite es de {megabytes} MB). Envía una más corta.",
    },
    "empty": {
        "en": "🎙️ Your voice note arrived empty. Could you record it again?",
        "es": "🎙️ Tu nota de voz llegó vacía. ¿Puedes grabarla otra vez?",
    },
    "silent": {
        "en": "🎙️ I couldn't hear any speech in that voice note. Try again a little closer to the microphone?",
        "es": "🎙️ No oí ninguna voz en esa nota. ¿Lo intentas otra vez, un poco más cerca del micrófono?",
    },
    "corrupt": {
        "en": "🎙️ That voice note arrived damaged and I couldn't play it. Could you send it again?",
        "es": "🎙️ Esa nota de voz llegó dañada y no pude reproducirla. ¿Puedes enviarla otra vez?",
    },
    "unsupported": {
        "en": "🎙️ I can't play that kind of audio file. Record a voice note in the app, or write to me!",
        "es": "🎙️ No puedo reproducir ese tipo de archivo de audio. Graba una nota de voz en la app, ¡o escríbeme!",
    },
    "download_failed": {
        "en": "🎙️ I couldn't download your voice note (it may have expired). Could you send it again?",
        "es": "🎙️ No pude descargar tu nota de voz (quizá caducó). ¿Puedes enviarla otra vez?",
    },
    "model_unavailable": {
        "en": "🎙️ Voice notes aren't set up on this server yet, so I couldn't listen to yours. Please write to me instead!",
        "es": "🎙️ Las notas de voz aún no están activadas en este servidor, así que no pude escuchar la tuya. ¡Escríbeme!",
    },
    "error": {
        "en": "🎙️ Something went wrong while I listened to your voice note. Please send it again, or write to me.",
        "es": "🎙️ Algo falló al escuchar tu nota de voz. Envíala otra vez, o escríbeme.",
    },
    "pron_perfect": {
        "en": "🎯 Pronunciation: every word of “{target}” came through clearly. Great job!",
        "es": "🎯 Pronunciación: se entendió cada palabra de «{target}». ¡Muy bien!",
    },
    "pron_header": {
        "en": "🎯 Pronunciation ({matched}/{total} words clear):",
        "es": "🎯 Pronunciación ({matched}/{total} palabras claras):",
    },
    "pron_misheard": {"en": "• *{expected}* sounded like _{heard}_", "es": "• *{expected}* sonó como _{heard}_"},
    "pron_missed": {"en": "• I didn't hear *{expected}*", "es": "• No oí *{expected}*"},
    "pron_retry": {
        "en": "Listen to the example again and give it another try 🔁",
        "es": "Escucha otra vez el ejemplo y vuelve a intentarlo 🔁",
    },
}


def voice_notice(name: str, language: str, **values: object) -> str:
    return localized(VOICE_NOTICES, name, language, **values)


def limit_values(max_duration_s: float, max_bytes: int) -> dict[str, object]:
    return {"minutes": f"{max_duration_s / 60:g}", "megabytes": f"{max_bytes / (1024 * 1024):g}"}


def pronunciation_feedback(comparison, language: str, limit: int = 4) -> str:
    """``comparison``: a habla.voice.pronunciation.Comparison (duck-typed: domain imports no voice code)."""
    if comparison.perfect:
        return voice_notice("pron_perfect", language, target=comparison.target)
    lines = [voice_notice("pron_header", language, matched=len(comparison.matched), total=comparison.target_words)]
    for expected, heard in comparison.misheard[:limit]:
        lines.append(voice_notice("pron_misheard", language, expected=expected, heard=heard))
    for expected in comparison.missed[: max(0, limit - len(comparison.misheard))]:
        lines.append(voice_notice("pron_missed", language, expected=expected))
    lines.append(voice_notice("pron_retry", language))
    return "\n".join(lines)
