"""What a quiz says, in the learner's native language (English when we do not have it). No I/O."""

from __future__ import annotations

from habla.domain.notices import localized

# Typed (or tapped) to start a quiz; compared after domain.practice_cards.normalise.
START_WORDS = frozenset({
    "quiz", "quiz me", "practice", "practise", "let's practice", "practice now",
    "practicar", "practica", "examíname", "quiero practicar",
    "pratiquer", "interroge-moi", "je veux pratiquer",
    "esercitarsi", "pratica", "interrogami", "voglio esercitarmi",
    "praticar", "pratica comigo", "quero praticar",
    "üben", "abfragen", "frag mich ab", "ich will üben",
})

TEXTS: dict[str, dict[str, str]] = {
    "word": {
        "en": "🧠 What does *{front}* mean?", "es": "🧠 ¿Qué significa *{front}*?",
        "fr": "🧠 Que veut dire *{front}* ?", "it": "🧠 Che cosa significa *{front}*?",
        "pt": "🧠 O que significa *{front}*?", "de": "🧠 Was bedeutet *{front}*?",
    },
    "error": {
        "en": "🧠 Which one is right?", "es": "🧠 ¿Cuál es correcta?", "fr": "🧠 Laquelle est correcte ?",
        "it": "🧠 Qual è quella giusta?", "pt": "🧠 Qual está certa?", "de": "🧠 Was ist richtig?",
    },
    "recall": {
        "en": "🧠 *{front}* — {back}\nHow well did you know it?",
        "es": "🧠 *{front}* — {back}\n¿Qué tal lo sabías?",
        "fr": "🧠 *{front}* — {back}\nTu le savais bien ?",
        "it": "🧠 *{front}* — {back}\nQuanto lo sapevi?",
        "pt": "🧠 *{front}* — {back}\nVocê sabia bem?",
        "de": "🧠 *{front}* — {back}\nWie gut wusstest du es?",
    },
    "numbers": {
        "en": "Reply with the number.", "es": "Responde con el número.", "fr": "Réponds avec le numéro.",
        "it": "Rispondi con il numero.", "pt": "Responda com o número.", "de": "Antworte mit der Zahl.",
    },
    "right": {
        "en": "✅ Right: *{back}*", "es": "✅ ¡Bien! *{back}*", "fr": "✅ Exact : *{back}*",
        "it": "✅ Giusto: *{back}*", "pt": "✅ Certo: *{back}*", "de": "✅ Richtig: *{back}*",
    },
    "wrong": {
        "en": "❌ It's *{back}*. It will come back soon.", "es": "❌ Es *{back}*. Volverá pronto.",
        "fr": "❌ C'est *{back}*. Elle reviendra bientôt.", "it": "❌ È *{back}*. Tornerà presto.",
        "pt": "❌ É *{back}*. Vai voltar logo.", "de": "❌ Es ist *{back}*. Es kommt bald wieder.",
    },
    "rated": {
        "en": "👍 Noted.", "es": "👍 Anotado.", "fr": "👍 Noté.", "it": "👍 Annotato.", "pt": "👍 Anotado.",
        "de": "👍 Notiert.",
    },
    "done": {
        "en": "🎉 That's all for now. Just write to me to keep chatting.",
        "es": "🎉 Eso es todo por ahora. Escríbeme para seguir charlando.",
        "fr": "🎉 C'est tout pour l'instant. Écris-moi pour continuer à discuter.",
        "it": "🎉 Per ora è tutto. Scrivimi per continuare a chiacchierare.",
        "pt": "🎉 Por agora é tudo. Me escreva para continuar conversando.",
        "de": "🎉 Das war's für jetzt. Schreib mir einfach, um weiterzuplaudern.",
    },
    "nothing": {
        "en": "Nothing to practise yet: new words and the mistakes you repeat become cards as we chat.",
        "es": "Aún no hay nada que practicar: las palabras nuevas y los errores que repites se vuelven tarjetas mientras hablamos.",
        "fr": "Rien à pratiquer pour l'instant : les mots nouveaux et les erreurs répétées deviennent des cartes au fil de nos échanges.",
        "it": "Ancora niente da esercitare: le parole nuove e gli errori ripetuti diventano schede mentre parliamo.",
        "pt": "Ainda não há nada para praticar: palavras novas e erros repetidos viram cartões enquanto conversamos.",
        "de": "Noch nichts zu üben: neue Wörter und wiederholte Fehler werden beim Chatten zu Karten.",
    },
}

# Self-rating after a recall card, in the order the buttons show (the FSRS rating each one gives).
RATINGS: dict[str, tuple[str, str, str]] = {
    "en": ("Again", "Good", "Easy"), "es": ("Otra vez", "Bien", "Fácil"), "fr": ("À revoir", "Bien", "Facile"),
    "it": ("Di nuovo", "Bene", "Facile"), "pt": ("De novo", "Bem", "Fácil"), "de": ("Nochmal", "Gut", "Leicht"),
}
RATING_NAMES = ("again", "good", "easy")


def text(name: str, language: str, **values: object) -> str:
    return localized(TEXTS, name, language, **values)


def ratings(language: str) -> list[str]:
    return list(RATINGS.get(language, RATINGS["en"]))
