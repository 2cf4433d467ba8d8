"""A structured turn as one compact WhatsApp message: the reply first, then what to learn from it.

    ¡Qué bien! ¿Y qué hiciste después?

    ✏️ ~fui a la playa ayer y como~ → *fui a la playa ayer y comí*
    _Past action: the preterite "comí", not the present._
    🔊 *comí* — I ate
    📝 *la orilla* — the shore

Corrections are diffs (~wrong~ → *right*, WhatsApp's strike and bold) with a one-line explanation in
italics; 🔊 lines are the pronunciation targets, which the sender also turns into voice notes
(``domain.voice_markup``); 📝 lines are new words not already spoken. The model's text may carry the
formatting characters themselves, so they are taken out of what goes between markers.
"""

from __future__ import annotations

import re

from habla.domain.tutor_turn import Correction, NewWord
from habla.domain.voice_markup import MARK

MAX_WORD_LINES = 3
_MARKERS = re.compile(r"[*_~`]")


def _plain(text: str) -> str:
    return " ".join(_MARKERS.sub("", text).split())


def render(reply: str, corrections: list[Correction], pronounce: list[str], new_words: list[NewWord]) -> str:
    """``reply`` is already WhatsApp-formatted; everything after it is built here."""
    lines: list[str] = []
    for correction in corrections:
        lines.append(f"✏️ ~{_plain(correction.original)}~ → *{_plain(correction.corrected)}*")
        explanation = _plain(correction.explanation)
        if explanation:
            lines.append(f"_{explanation}_")
    glosses = {_plain(word.lemma).casefold(): _plain(word.translation) for word in new_words}
    spoken: set[str] = set()
    for phrase in pronounce:
        phrase = _plain(phrase)
        if not phrase or phrase.casefold() in spoken:
            continue
        spoken.add(phrase.casefold())
        gloss = glosses.get(phrase.casefold())
        lines.append(f"{MARK} *{phrase}*" + (f" — {gloss}" if gloss else ""))
    words = [w for w in new_words if _plain(w.lemma) and _plain(w.lemma).casefold() not in spoken]
    for word in words[:MAX_WORD_LINES]:
        translation = _plain(word.translation)
        lines.append(f"📝 *{_plain(word.lemma)}*" + (f" — {translation}" if translation else ""))
    reply = reply.strip()
    return f"{reply}\n\n" + "\n".join(lines) if lines else reply
