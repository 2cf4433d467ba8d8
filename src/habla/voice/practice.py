"""Pronunciation practice across agents, kept under the learner profile's ``pronunciation`` key.

The conversation agent remembers the 🔊 phrases it just asked for (``remember_examples``); when the
learner's next voice note is a try at one of them, the voice agent scores it (``score_attempt``). Light on
purpose (no audio libraries): the conversation agent imports it.
"""

from __future__ import annotations

import time

from habla.domain.learner import Learner
from habla.domain.voice_markup import voice_phrases
from habla.voice import pronunciation
from habla.voice.pronunciation import Comparison

KEY = "pronunciation"


def state_of(learner: Learner) -> dict | None:
    return getattr(learner.profile, KEY, None) or (learner.profile.model_extra or {}).get(KEY)


async def remember_examples(store, learner: Learner, reply_text: str, limit: int = 3) -> list[str]:
    phrases = voice_phrases(reply_text, limit)
    if phrases:
        language, now = learner.profile.target_language, time.time()
        await store.update_profile_key(learner.id, KEY, lambda state: pronunciation.add_pending(state, phrases, language, now))
    return phrases


async def score_attempt(store, learner: Learner, heard: str) -> Comparison | None:
    """The comparison when ``heard`` is a try at a pending phrase (and record it); None when it is not."""
    now = time.time()
    attempt = pronunciation.best_attempt(state_of(learner), heard, now)
    if attempt is not None:
        await store.update_profile_key(learner.id, KEY, lambda state: pronunciation.record_attempt(state, attempt, now))
    return attempt
