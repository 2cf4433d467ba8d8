"""Text helpers shared by the rules: folding what learners type (accents, case), and picking what we say to them."""

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


def in_language(texts: dict[str, str], language: str, /, **values: object) -> str:
    """One learner-facing text from its table (language code -> text) in ``language``, English when the table
    has no such language, with ``values`` filled in. Every catalogue (notices, commands, onboarding, tables…)
    keeps its texts beside the feature in this one shape and reads them through here;
    tests/domain/test_learner_texts.py checks every table has English and the same placeholders throughout.
    Positional-only, so a text may have a ``{language}`` placeholder of its own."""
    return texts.get(language, texts["en"]).format(**values)
