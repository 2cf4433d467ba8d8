"""The learner's rights over their data: "delete my data" (confirmed by a yes) and "export my data".

Commands are recognised only as a whole message (punctuation, case and accents aside), so a sentence that
merely contains the words — "¿cómo se dice 'delete my data' en español?" — is a normal turn. The answer is
in the language the command was given in.
"""

from __future__ import annotations

import re
from typing import Literal

from habla.domain.text import fold
from habla.domain.text import in_language

Command = Literal["forget", "export"]

_FORGET = {
    "en": ["delete my data", "delete all my data", "erase my data", "forget me", "delete my account", "forget my data"],
    "es": ["borra mis datos", "borrar mis datos", "borra todos mis datos", "elimina mis datos", "eliminar mis datos",
           "olvidame", "borra mi cuenta"],
}
_EXPORT = {
    "en": ["export my data", "send me my data", "download my data", "give me my data"],
    "es": ["exporta mis datos", "exportar mis datos", "enviame mis datos", "mandame mis datos", "descarga mis datos"],
}
# Only an unmistakable yes erases: "ok", "vale", "claro" or "sure" are what people type to acknowledge a
# message they skimmed, and "y" is Spanish for "and".
_YES = {"yes", "yes please", "yes delete", "yes delete my data", "confirm", "i confirm", "si", "si borra",
        "si borralo", "si por favor", "si borra mis datos", "confirmo"}

TEXTS: dict[str, dict[str, str]] = {
    "confirm_forget": {
        "en": "⚠️ This deletes everything Habla knows about you: our conversations, your profile, what I remember, "
        "and any voice notes or images. It cannot be undone. Reply *yes* to confirm; anything else cancels.",
        "es": "⚠️ Esto borra todo lo que Habla sabe de ti: nuestras conversaciones, tu perfil, lo que recuerdo y tus "
        "notas de voz o imágenes. No se puede deshacer. Responde *sí* para confirmar; cualquier otra cosa lo cancela.",
    },
    "forgotten": {
        "en": "🗑️ Done: your data is deleted. If you write again, we start from zero. ¡Hasta pronto!",
        "es": "🗑️ Hecho: tus datos están borrados. Si vuelves a escribir, empezamos de cero. ¡Hasta pronto!",
    },
    "cancelled": {
        "en": "👍 OK, nothing was deleted.",
        "es": "👍 De acuerdo, no se ha borrado nada.",
    },
    "export_cooldown": {
        "en": "📦 I sent you your data a little while ago; you can ask for it again in about {minutes} minutes.",
        "es": "📦 Te envié tus datos hace poco; puedes volver a pedirlos dentro de unos {minutes} minutos.",
    },
    "export_truncated": {
        "en": "It is long, so it holds your most recent history; \"truncated\" says how much of each part is "
        "included. Your full history is still stored.",
        "es": "Es largo, así que lleva tu historial más reciente; \"truncated\" indica cuánto de cada parte se "
        "incluye. Tu historial completo sigue guardado.",
    },
    "export_intro": {
        "en": "📦 Here is everything Habla stores about you, as JSON ({parts} message(s) follow; join them in order):",
        "es": "📦 Aquí tienes todo lo que Habla guarda sobre ti, en JSON ({parts} mensaje(s) a continuación; "
        "únelos en orden):",
    },
}


_POLITE = {"please", "pls", "por", "favor", "habla", "hey", "hola", "hi"}


def _normalise(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", fold(text)))


def _command_words(text: str) -> str:
    return " ".join(word for word in _normalise(text).split() if word not in _POLITE)


def command_in(text: str) -> tuple[Command, str] | None:
    """("forget" | "export", language of the phrase) when the whole message is such a command."""
    said = _command_words(text)
    for command, phrases in (("forget", _FORGET), ("export", _EXPORT)):
        for language, options in phrases.items():
            if said in options:
                return command, language  # type: ignore[return-value]
    return None


def is_yes(text: str) -> bool:
    return _normalise(text) in _YES


def yes_no(language: str) -> list[str]:
    """The confirmation's buttons; "Sí" and "Yes" both pass is_yes."""
    return ["Sí", "No"] if language == "es" else ["Yes", "No"]


def text(name: str, language: str, **values: object) -> str:
    return in_language(TEXTS[name], language, **values)
