"""Flashcards from the words a learner met: "show me my words".

``cards_for(words)`` turns stored words (anything with ``lemma``, ``translation`` and ``example``: the
store's ``LearnerWord`` rows, ``domain.tutor_turn.NewWord``) into ``Flashcard`` models, trimmed to the
card's limits and without repeats; ``words_answer`` picks the words to show (the newest, at most
``CARDS_PER_REQUEST``) and the line that goes with them in the learner's native language.
"""

from __future__ import annotations

from typing import Iterable, Protocol

from habla.domain.messages import Flashcard
from habla.domain.text import in_language

CARDS_PER_REQUEST = 5  # a handful: more images than this in one go is a wall, not a review


class WordLike(Protocol):
    lemma: str
    translation: str
    example: str


def cards_for(words: Iterable[WordLike], limit: int = CARDS_PER_REQUEST) -> list[Flashcard]:
    """One card per distinct lemma, in the given order, at most ``limit``."""
    fields = Flashcard.model_fields
    cards: list[Flashcard] = []
    seen: set[str] = set()
    for word in words:
        lemma = " ".join((word.lemma or "").split())
        if not lemma or lemma.casefold() in seen:
            continue
        seen.add(lemma.casefold())
        cards.append(Flashcard(
            word=_fit(lemma, fields["word"]),
            translation=_fit(word.translation or "", fields["translation"]),
            example=_fit(word.example or "", fields["example"]),
        ))
        if len(cards) >= limit:
            break
    return cards


def _fit(text: str, field) -> str:
    limit = next((m.max_length for m in field.metadata if hasattr(m, "max_length")), None)
    text = " ".join(text.split())
    if limit is None or len(text) <= limit:
        return text
    return text[: limit - 1].rstrip() + "…"


_INTRO = {
    "en": "Your newest words ({count}):", "es": "Tus palabras más recientes ({count}):",
    "fr": "Tes mots les plus récents ({count}) :", "it": "Le tue parole più recenti ({count}):",
    "pt": "As tuas palavras mais recentes ({count}):", "de": "Deine neuesten Wörter ({count}):",
    "ca": "Les teves paraules més recents ({count}):", "ro": "Cuvintele tale cele mai noi ({count}):",
    "nl": "Je nieuwste woorden ({count}):",
}
_NONE_YET = {
    "en": "No words saved yet: the new words from our conversations will show up here as cards.",
    "es": "Todavía no hay palabras guardadas: las palabras nuevas de nuestras conversaciones aparecerán aquí como tarjetas.",
    "fr": "Aucun mot enregistré pour l'instant : les mots nouveaux de nos conversations apparaîtront ici en cartes.",
    "it": "Ancora nessuna parola salvata: le parole nuove delle nostre conversazioni appariranno qui come schede.",
    "pt": "Ainda não há palavras guardadas: as palavras novas das nossas conversas vão aparecer aqui como cartões.",
    "de": "Noch keine Wörter gespeichert: Neue Wörter aus unseren Gesprächen erscheinen hier als Karten.",
    "ca": "Encara no hi ha paraules desades: les paraules noves de les nostres converses apareixeran aquí com a targetes.",
    "ro": "Încă nu ai cuvinte salvate: cuvintele noi din conversațiile noastre vor apărea aici ca fișe.",
    "nl": "Nog geen woorden bewaard: nieuwe woorden uit onze gesprekken verschijnen hier als kaarten.",
}


def words_text(count: int, native: str) -> str:
    """The line above the cards (or the answer when there are none yet), in the learner's language."""
    if count == 0:
        return in_language(_NONE_YET, native)
    return in_language(_INTRO, native, count=count)
