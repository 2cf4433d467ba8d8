"""What the window summary says around its key points, in the learner's explanation language (English when
we have no such text). No I/O; read through ``domain.text.in_language``."""

from __future__ import annotations

TITLE = {
    "en": "📋 *Today's key points*",
    "es": "📋 *Lo esencial de hoy*",
    "fr": "📋 *L'essentiel d'aujourd'hui*",
    "it": "📋 *I punti chiave di oggi*",
    "pt": "📋 *O essencial de hoje*",
    "de": "📋 *Das Wichtigste von heute*",
}
NEXT_TODAY = {
    "en": "⏰ Next practice: today at {time}.",
    "es": "⏰ Próxima práctica: hoy a las {time}.",
    "fr": "⏰ Prochain entraînement : aujourd'hui à {time}.",
    "it": "⏰ Prossimo esercizio: oggi alle {time}.",
    "pt": "⏰ Próxima prática: hoje às {time}.",
    "de": "⏰ Nächste Übung: heute um {time}.",
}
NEXT_TOMORROW = {
    "en": "⏰ Next practice: tomorrow at {time}.",
    "es": "⏰ Próxima práctica: mañana a las {time}.",
    "fr": "⏰ Prochain entraînement : demain à {time}.",
    "it": "⏰ Prossimo esercizio: domani alle {time}.",
    "pt": "⏰ Próxima prática: amanhã às {time}.",
    "de": "⏰ Nächste Übung: morgen um {time}.",
}
NEXT_ON = {
    "en": "⏰ Next practice: {date} at {time}.",
    "es": "⏰ Próxima práctica: el {date} a las {time}.",
    "fr": "⏰ Prochain entraînement : le {date} à {time}.",
    "it": "⏰ Prossimo esercizio: il {date} alle {time}.",
    "pt": "⏰ Próxima prática: em {date} às {time}.",
    "de": "⏰ Nächste Übung: am {date} um {time}.",
}
NO_PRACTICE = {
    "en": "⏰ Say *remind me at 8* and I'll quiz you on these every day.",
    "es": "⏰ Di *recuérdame a las 8* y te repaso esto cada día.",
    "fr": "⏰ Dis *rappelle-moi à 8h* et je te fais réviser ça chaque jour.",
    "it": "⏰ Scrivi *ricordamelo alle 8* e ti faccio ripassare tutto questo ogni giorno.",
    "pt": "⏰ Diga *me lembre às 8* e eu te faço revisar isso todo dia.",
    "de": "⏰ Schreib *erinnere mich um 8*, und ich frage dich das jeden Tag ab.",
}
