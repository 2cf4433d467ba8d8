"""The learner's level over time: decisions (placement, "easier", "harder") and the running estimate.

- ``set_level(services, learner, level, reason)``: the one way the level changes; appends to
  ``profile.level_history`` (bounded) in the same row-locked profile update. 11b's easier/harder call it.
- ``record_placement(services, learner, level)``: onboarding's placement result (reason "placement").
- ``reestimate(services, learner)``: after a turn, reads the learner's recent messages and the corrections
  stored with them, and moves the level one step when ``domain.level`` says the evidence is clear. Only
  turns after the last decision count, so "easier" is not undone by what was written before it.

Word frequencies come from ``wordfreq`` (Zipf scale), looked up here so ``domain.level`` stays pure.
"""

from __future__ import annotations

import functools
import logging
import time

from habla.domain import level as levels
from habla.domain.learner import Learner
from habla.domain.messages import hashed
from habla.domain.profile import MAX_LEVEL_HISTORY, LevelChange, Profile
from habla.pedagogy.turn import STRUCTURED

log = logging.getLogger(__name__)

RECENT_TURNS = 30  # the estimate reads this many of the learner's latest turns


async def set_level(services, learner: Learner, level: str, reason: str, also: dict | None = None) -> Profile | None:
    """Set the CEFR level and record why; the stored profile (None if the learner is gone).

    Setting the level it already has records nothing. ``also``: more profile fields written in the same
    transaction (a command's record that it was applied). ``learner.profile`` is updated in place, so the
    caller's copy matches what was stored.
    """
    level = level.strip().upper()
    if level not in levels.LEVELS:
        raise ValueError(f"not a CEFR level: {level!r}")
    now = time.time()

    def change(profile: Profile) -> Profile | None:
        if profile.level == level and profile.level_history:
            return None
        history = [*profile.level_history, LevelChange(level=level, at=now, reason=reason[:300])][-MAX_LEVEL_HISTORY:]
        return profile.model_copy(update={"level": level, "level_history": history, **(also or {})})

    stored = await services.store.update_profile(learner.id, change)
    if stored is not None:
        learner.profile = stored
        log.info("level learner=%s now=%s (%s)", hashed(learner.id), stored.level, reason.split(":")[0])
    return stored


async def record_placement(services, learner: Learner, level: str) -> Profile | None:
    """Onboarding's placement questions found ``level``."""
    return await set_level(services, learner, level, "placement")


async def reestimate(services, learner: Learner) -> str | None:
    """Move the level one step if the learner's recent writing clearly shows another; the new level or None."""
    profile = learner.profile
    since = max((change.at for change in profile.level_history if levels.is_decision(change.reason)), default=0.0)
    # only structured turns: their corrections are known, so a free-text turn cannot pass for error-free
    turns = [t for t in await services.store.recent_turns(learner.id, RECENT_TURNS) if t.created_at > since and t.path == STRUCTURED]
    if len(turns) < levels.MIN_MESSAGES:
        return None
    by_turn: dict[str, list[tuple[str, str]]] = {}
    for correction in await services.store.corrections.for_learner(learner.id, since=turns[0].created_at - 1e-6):
        by_turn.setdefault(correction.turn_id, []).append((correction.category, correction.severity))
    samples = [levels.Sample(turn.user_text, tuple(by_turn.get(turn.id, ()))) for turn in turns]
    found = levels.estimate(samples, profile.target_language, profile.native_language, zipf)
    target = levels.next_level(profile.level, found)
    if target is None or found is None:
        return None
    await set_level(services, learner, target, found.reason)
    return target


def zipf(word: str, language: str) -> float:
    return _zipf_lookup()(word, language)


@functools.cache
def _zipf_lookup():
    import wordfreq  # reads its frequency lists on first use of a language

    @functools.lru_cache(maxsize=50_000)
    def lookup(word: str, language: str) -> float:
        try:
            return wordfreq.zipf_frequency(word, language)
        except LookupError:  # a language wordfreq has no list for
            return 0.0

    return lookup
