"""Text folding shared by the rules that match what learners type, whatever their accents and case."""

from __future__ import annotations

import unicodedata


def fold(text: str) -> str:
    """Lower case without accents: 'Te acuérdas' -> 'te acuerdas', 'ñ' -> 'n', quotes kept.

    For matching commands and keywords. Pronunciation scoring keeps ñ and ç apart on purpose
    (voice/pronunciation.normalize_word): there they are different sounds, not decoration.
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def estimate_tokens(text: str) -> int:
    """About four characters a token, as the common BPE tokenizers average on English and Spanish; used
    for prompt budgets and when an endpoint reports no usage."""
    return max(1, (len(text) + 3) // 4)
