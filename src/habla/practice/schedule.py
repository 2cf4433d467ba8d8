"""The learner's durable practice schedule, recomputed from their profile (CONTRACTS.md's hook).

``reschedule(services, learner)`` is called wherever ``profile.reminder_times`` or ``profile.timezone``
change ("remind me at 8", "stop reminders", onboarding): it writes the learner's ``practice_schedule`` row
with the UTC time of their next chosen slot (``domain.practice_schedule.next_slot``: wall-clock times in
their timezone, DST-safe), or no time when they chose none.
"""

from __future__ import annotations

import time

from habla.domain import practice_schedule as rules
from habla.domain.learner import Learner


async def reschedule(services, learner: Learner, now: float | None = None) -> float | None:
    """Recompute and store the learner's next prompt time; returns it (None: no reminders)."""
    now = time.time() if now is None else now
    profile = learner.profile
    due = rules.next_slot(profile.reminder_times, profile.timezone, now)
    await services.store.schedule.put(learner.id, rules.signature(profile.reminder_times, profile.timezone), due, now)
    return due
