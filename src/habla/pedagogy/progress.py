"""'My progress': reads the learner's turns, words and corrections, and lets ``domain.progress`` count."""

from __future__ import annotations

from habla.domain import progress
from habla.domain.learner import Learner
from habla.domain.taxonomy import label
from habla.pedagogy.command_texts import say

STREAK_TURNS = 1000  # enough turns to see a long streak; the count stops at the first missing day anyway
TREND_LINES = 4
_ARROW = {"down": "📉", "up": "📈", "flat": "➖"}


async def progress_text(services, learner: Learner, now: float) -> str:
    profile = learner.profile
    native = profile.native_language
    turns = await services.store.recent_turns(learner.id, STREAK_TURNS)
    days = progress.streak((turn.created_at for turn in turns), profile.timezone, now)
    words = await services.store.words.count(learner.id, profile.target_language)  # rows are lemmas
    since = now - 2 * progress.TREND_PERIOD_S
    corrections = await services.store.corrections.for_learner(learner.id, since=since)
    trends = progress.trends(((c.category, c.created_at) for c in corrections), now)
    history = [change.level for change in profile.level_history] or [profile.level]
    lines = [
        say("progress_title", native),
        say("progress_streak", native, days=days),
        say("progress_words", native, count=words),
        say("progress_level", native, history=" → ".join(history[-6:])),
    ]
    if trends:
        lines.append(say("progress_trends", native))
        lines.extend(
            f"{_ARROW[t.direction]} {label(t.category, native)}: {t.previous} → {t.recent}" for t in trends[:TREND_LINES]
        )
    return "\n".join(lines)
