"""Practice cards from what the tutor found, and reviews from the conversation itself.

After each fresh turn is saved (``after_turn``, one call in agents/conversation.py):

1. the learner's own message reviews the cards it touches (``domain.practice_cards.conversation_ratings``):
   using a word card's lemma or a card's right form is a Good, repeating a card's error is an Again;
2. the turn's new words become word cards, and a correction seen for the ``RECURRING``-th time (or more)
   becomes an error card.

Reviews go first, so a card made from this very turn is not graded by it. The cost is a handful of indexed
queries on the learner's own rows; it runs after the reply is out, and a failure costs the learner nothing.
"""

from __future__ import annotations

import logging
import re
import time

from habla.domain import practice_cards as rules
from habla.domain.learner import Learner, Turn
from habla.domain.tutor_turn import NewWord
from habla.domain.messages import hashed

log = logging.getLogger(__name__)

RECENT_CORRECTIONS = 500  # how far back a recurring error is counted; older habits had their chance


async def after_turn(services, learner: Learner, turn: Turn, words: list[NewWord]) -> None:
    try:
        await _after_turn(services, learner, turn, words)
    except Exception as exc:  # practice rides on the conversation; it never breaks a reply
        log.warning("practice cards failed learner=%s: %s", hashed(learner.id), type(exc).__name__)


async def _after_turn(services, learner: Learner, turn: Turn, words: list[NewWord]) -> None:
    store = services.store
    language = learner.profile.target_language
    corrections = await store.corrections.for_turn(turn.id)
    cards = await store.practice.for_learner(learner.id)
    ratings = rules.conversation_ratings(
        [card.view() for card in cards if card.language == language], learner_lemmas(turn.user_text, language),
        turn.user_text, corrections,
    )
    for card_id, rating in ratings.items():
        await store.practice.review(learner.id, card_id, rating, "conversation", f"turn:{turn.id}", turn.created_at)
    seeds = [rules.word_seed(language, word.lemma, word.translation, word.example) for word in words]
    if corrections:
        recent = await store.corrections.for_learner(learner.id, limit=RECENT_CORRECTIONS)
        seeds += rules.recurring_errors(reversed(recent), language)
    made = await store.practice.ensure(learner.id, seeds, turn.created_at)
    if ratings or made:
        log.info("practice learner=%s reviewed=%d new_cards=%d", hashed(learner.id), len(ratings), made)


async def sync(services, learner: Learner, at: float | None = None) -> int:
    """Make the cards the learner's whole history calls for (every word, every recurring error) — for a
    learner whose turns predate practice. Returns how many cards were made."""
    store = services.store
    language = learner.profile.target_language
    seeds = [rules.word_seed(language, w.lemma, w.translation, w.example) for w in await store.words.all(learner.id, language)]
    recent = await store.corrections.for_learner(learner.id, limit=RECENT_CORRECTIONS)
    seeds += rules.recurring_errors(reversed(recent), language)
    return await store.practice.ensure(learner.id, seeds, time.time() if at is None else at)


def learner_lemmas(text: str, language: str) -> set[str]:
    """The dictionary forms of the words the learner wrote (simplemma, as the tutor's new words are kept)."""
    from habla.pedagogy.turn import lemma_of

    lemmas = set()
    for token in re.findall(r"\w+", text):
        lemma = lemma_of(token, language)
        lemmas.update({lemma, token.casefold()} if lemma else {token.casefold()})
    return lemmas
