"""Practice cards as rules: what becomes a card, its key, and how a review moves it (FSRS). No I/O.

Two kinds of card:

- a **word** the tutor introduced, by lemma and target language ("word:es:comer");
- a recurring **error pattern**: the same correction (category + normalised wrong → right) seen at least
  ``RECURRING`` times ("error:ser_estar:soy cansado→estoy cansado"). One slip is noise; two is a habit.

Scheduling is the ``fsrs`` package's. Learning steps are hours, not FSRS's default minutes: a chat learner
comes back at their practice time, not ten minutes later. Fuzzing is off so the same reviews give the same
intervals (tests and the learner's "next practice" line agree with what the card holds).
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Iterable, Protocol

RECURRING = 2  # an error pattern becomes a card once it was corrected this many times
LEARNING_STEPS = (timedelta(hours=4), timedelta(hours=20))
RELEARNING_STEPS = (timedelta(hours=8),)
_KEY_PART = 160  # wrong and right forms are cut so a key fits its column


class CorrectionLike(Protocol):
    category: str
    original: str
    corrected: str
    explanation: str


@dataclass(frozen=True)
class CardSeed:
    """What a new card is made from: its key and what the learner sees on each side."""

    key: str
    kind: str  # "word" | "error"
    language: str
    front: str  # the lemma, or the wrong form
    back: str  # the translation, or the right form
    hint: str  # the example sentence, or the explanation


def normalise(text: str) -> str:
    """Case, spacing and surrounding punctuation do not make a different mistake."""
    cleaned = unicodedata.normalize("NFC", text).casefold()
    cleaned = cleaned.strip(" .,;:!?¡¿\"'«»“”*_~()")
    return " ".join(cleaned.split())


def word_key(language: str, lemma: str) -> str:
    return f"word:{language}:{normalise(lemma)[:_KEY_PART]}"


def error_key(category: str, wrong: str, right: str) -> str:
    return f"error:{category}:{normalise(wrong)[:_KEY_PART]}→{normalise(right)[:_KEY_PART]}"


def card_id(learner_id: str, key: str) -> str:
    """Deterministic, so two processes making the same card make one row."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"practice-card:{learner_id}:{key}").hex


def review_id(card: str, source: str) -> str:
    """One review per card per source (a quiz answer, a turn): a redelivered message reviews nothing twice."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"practice-review:{card}:{source}").hex


def word_seed(language: str, lemma: str, translation: str, example: str) -> CardSeed:
    return CardSeed(word_key(language, lemma), "word", language, normalise(lemma), translation.strip(), example.strip())


def recurring_errors(corrections: Iterable[CorrectionLike], language: str, threshold: int = RECURRING) -> list[CardSeed]:
    """The error patterns corrected at least ``threshold`` times, most frequent first (ties: first seen)."""
    counts: dict[str, int] = {}
    seeds: dict[str, CardSeed] = {}
    for correction in corrections:
        wrong, right = normalise(correction.original), normalise(correction.corrected)
        if not wrong or not right or wrong == right:
            continue
        key = error_key(correction.category, wrong, right)
        counts[key] = counts.get(key, 0) + 1
        seeds.setdefault(key, CardSeed(key, "error", language, wrong, right, correction.explanation.strip()))
    ordered = sorted(seeds, key=lambda key: -counts[key])  # sorted() is stable: ties keep first-seen order
    return [seeds[key] for key in ordered if counts[key] >= threshold]


def utc(at: float) -> datetime:
    return datetime.fromtimestamp(at, tz=timezone.utc)


def scheduler():
    """The FSRS scheduler with chat-sized steps (built on call, not at import)."""
    from fsrs import Scheduler

    return Scheduler(learning_steps=LEARNING_STEPS, relearning_steps=RELEARNING_STEPS, enable_fuzzing=False)


def new_card(at: float) -> dict:
    """A fresh FSRS card, due now, as its dict form (what the database keeps)."""
    from fsrs import Card

    return Card(due=utc(at)).to_dict()


@dataclass(frozen=True)
class Reviewed:
    card: dict  # the FSRS card after the review, as ``Card.to_dict()``
    due_at: float  # UTC epoch seconds
    state: int  # fsrs.State: 1 learning, 2 review, 3 relearning


def review(card: dict, rating: str, at: float) -> Reviewed:
    """Apply one review ("again" | "hard" | "good" | "easy") at ``at`` (UTC epoch seconds)."""
    from fsrs import Card, Rating

    grade = {"again": Rating.Again, "hard": Rating.Hard, "good": Rating.Good, "easy": Rating.Easy}[rating]
    updated, _log = scheduler().review_card(Card.from_dict(card), grade, utc(at))
    return Reviewed(updated.to_dict(), updated.due.timestamp(), int(updated.state))


@dataclass(frozen=True)
class CardView:
    """What the conversation needs of a card to grade a turn."""

    id: str
    kind: str
    front: str
    back: str
    category: str  # the error category ("" for words)


def category_of(key: str) -> str:
    return key.split(":", 2)[1] if key.startswith("error:") else ""


def conversation_ratings(
    cards: Iterable[CardView], learner_lemmas: set[str], learner_text: str, corrections: Iterable[CorrectionLike]
) -> dict[str, str]:
    """Reviews the learner's own turn gives, by card id.

    Repeating a card's error (the tutor corrected the same category and wrong form again) is an Again. Using
    a word card's lemma, or writing a card's right form, without that correction is a Good. Everything else
    says nothing: a card not touched by the turn is not reviewed.
    """
    text = _padded_words(learner_text)
    repeated = {(c.category, normalise(c.original)) for c in corrections}
    wrong_forms = {wrong for _category, wrong in repeated}
    ratings: dict[str, str] = {}
    for card in cards:
        if card.kind == "error":
            if (card.category, card.front) in repeated:
                ratings[card.id] = "again"
            elif card.back and _padded_words(card.back) in text and card.back not in wrong_forms:
                ratings[card.id] = "good"
        elif card.front in learner_lemmas or (" " in card.front and _padded_words(card.front) in text):
            ratings[card.id] = "good"
    return ratings


def _padded_words(text: str) -> str:
    """The words alone, space-padded, so "estoy cansado" is found in "¡Estoy cansado, gracias!"."""
    return " " + " ".join(re.sub(r"[^\w\s]", " ", normalise(text)).split()) + " "
