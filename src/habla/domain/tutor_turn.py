"""The tutor's turn as data: the reply, the corrections, the new words and what to pronounce.

The conversation agent asks the model for one ``TutorTurn`` (``LLMRouter.complete_json``), so corrections
are rows that can be counted (``storage/corrections.py``) instead of prose nobody can. The model writes the
category freely; ``domain.taxonomy.normalise`` maps it onto the fixed list of the language pair afterwards,
so an odd category never costs the learner their answer.

Lengths are bounded here: a local model's grammar enforces them while it generates, and every provider's
answer is validated against them.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

Severity = Literal["minor", "major", "blocking"]
SEVERITIES: tuple[Severity, ...] = ("minor", "major", "blocking")
MAX_CORRECTIONS = 5
MAX_NEW_WORDS = 5
MAX_PRONOUNCE = 3


class Correction(BaseModel):
    """One mistake in the learner's message: their words, the right ones, why, and how much it matters."""

    original: str = Field(max_length=200, description="the learner's wrong words, copied exactly")
    corrected: str = Field(max_length=200, description="the same words, corrected")
    category: str = Field(max_length=40, description="one of the error categories listed in the instructions")
    explanation: str = Field(max_length=200, description="one short sentence in the explanation language")
    severity: Severity = Field(description="minor: style or a slip; major: clearly wrong; blocking: meaning is lost")


class NewWord(BaseModel):
    """A word the reply introduced that the learner may not know yet."""

    lemma: str = Field(max_length=60, description="dictionary form in the target language")
    translation: str = Field(max_length=80, description="in the learner's native language")
    example: str = Field(max_length=160, description="a short example sentence in the target language")


class TutorTurn(BaseModel):
    """The tutor's answer to one learner message."""

    reply: str = Field(min_length=1, max_length=1500, description="the answer to the learner, in the target language")
    corrections: list[Correction] = Field(default_factory=list, max_length=MAX_CORRECTIONS)
    new_words: list[NewWord] = Field(default_factory=list, max_length=MAX_NEW_WORDS)
    pronounce: list[str] = Field(
        default_factory=list, max_length=MAX_PRONOUNCE, description="target-language phrases worth hearing aloud"
    )


def is_real(correction: Correction) -> bool:
    """A "correction" that changes nothing (or only spacing and the final full stop) is no correction: a
    correct sentence gets none. Case and accents count ("ingles" → "inglés", "Lunes" → "lunes")."""

    def norm(text: str) -> str:
        return " ".join(text.split()).rstrip(" .")

    return bool(correction.corrected.strip()) and norm(correction.original) != norm(correction.corrected)
