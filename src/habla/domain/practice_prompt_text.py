"""What a scheduled practice prompt says, and which answers to it mean Start / Later / Stop. No I/O.

The prompt goes in the learner's native language (English when we do not have it) with three choices; the
learner may tap one (its title arrives as the message text) or type it, in any of the six languages.
"""

from __future__ import annotations

from habla.domain.notices import localized
from habla.domain.practice_cards import normalise

TEXTS: dict[str, dict[str, str]] = {
    "prompt": {
        "en": "⏰ Time for practice! Reply *quiz me* or tap Start.",
        "es": "⏰ ¡Hora de practicar! Responde *examíname* o toca Empezar.",
        "fr": "⏰ C'est l'heure de pratiquer ! Réponds *interroge-moi* ou touche Commencer.",
        "it": "⏰ È ora di esercitarsi! Rispondi *interrogami* o tocca Inizia.",
        "pt": "⏰ Hora de praticar! Responda *quero praticar* ou toque Começar.",
        "de": "⏰ Zeit zum Üben! Antworte *frag mich ab* oder tippe Start.",
    },
    "later": {
        "en": "👍 I'll remind you again later.", "es": "👍 Te lo recuerdo más tarde.",
        "fr": "👍 Je te le rappelle plus tard.", "it": "👍 Te lo ricordo più tardi.",
        "pt": "👍 Eu te lembro mais tarde.", "de": "👍 Ich erinnere dich später noch einmal.",
    },
    "stopped": {
        "en": "🔕 Practice reminders are off. Say *remind me at 8* to turn them on again.",
        "es": "🔕 Recordatorios desactivados. Di *recuérdame a las 8* para activarlos otra vez.",
        "fr": "🔕 Rappels désactivés. Dis *rappelle-moi à 8h* pour les réactiver.",
        "it": "🔕 Promemoria disattivati. Scrivi *ricordamelo alle 8* per riattivarli.",
        "pt": "🔕 Lembretes desativados. Diga *me lembre às 8* para ativá-los de novo.",
        "de": "🔕 Erinnerungen sind aus. Schreib *erinnere mich um 8*, um sie wieder einzuschalten.",
    },
}

# The buttons, in order Start / Later / Stop (titles ≤ 20 characters, WhatsApp's limit).
CHOICES: dict[str, tuple[str, str, str]] = {
    "en": ("Start", "Later", "Stop"), "es": ("Empezar", "Más tarde", "Parar"),
    "fr": ("Commencer", "Plus tard", "Arrêter"), "it": ("Inizia", "Più tardi", "Basta"),
    "pt": ("Começar", "Mais tarde", "Parar"), "de": ("Start", "Später", "Stopp"),
}
ACTIONS = ("start", "later", "stop")


def text(name: str, language: str) -> str:
    return localized(TEXTS, name, language)


def choices(language: str) -> list[str]:
    return list(CHOICES.get(language, CHOICES["en"]))


def action_of(message: str) -> str | None:
    """"start", "later" or "stop" when the message is one of the choices (any language, any case), else None."""
    typed = normalise(message)
    if not typed:
        return None
    for titles in CHOICES.values():
        for action, title in zip(ACTIONS, titles):
            if typed == normalise(title):
                return action
    return None
