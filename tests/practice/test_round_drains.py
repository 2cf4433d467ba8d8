"""A scheduler round drains what is due, batch after batch, instead of one batch per round (which capped
one process at BATCH prompts and summaries every 30 s): with the batch made tiny, one call with room for
many batches handles every due prompt and summary, and a call allowed one batch handles one batch."""

from __future__ import annotations

import time
import uuid

from habla.domain import practice_schedule as rules
from habla.domain.learner import Profile, Turn
from habla.domain.tutor_turn import Correction
from habla.practice import scheduler, window_summary
from habla.services import build_services

TIRED = Correction(original="soy cansado", corrected="estoy cansado", category="ser_estar",
                   explanation="A passing state takes estar.", severity="major")
LEARNERS = 5


async def _learners(store, now: float) -> None:
    """Five learners, each with a prompt due a minute ago and a corrected session 23 h ago."""
    profile = Profile(timezone="UTC", reminder_times=["08:00"], native_language="en")
    for n in range(LEARNERS):
        learner = await store.learner("whatsapp", f"1650555030{n}", profile)
        last_at = now - 23 * 3600 - 60 - n
        await store.touch_learner(learner.id, last_at)
        await store.save_turn(Turn(id=uuid.uuid4().hex, learner_id=learner.id, inbound_key=f"whatsapp:wamid.D{n}",
                                   user_text="Hoy soy cansado", reply_text="¿Por qué?", created_at=last_at + 5),
                              corrections=[TIRED], language="es")
        await store.schedule.put(learner.id, rules.signature(profile.reminder_times, profile.timezone), now - 60, now)


async def test_a_round_drains_every_due_prompt_and_summary_batch_after_batch(make_settings, monkeypatch):
    monkeypatch.setattr(scheduler, "BATCH", 2)
    monkeypatch.setattr(window_summary, "BATCH", 2)
    services = await build_services(make_settings())
    try:
        now = time.time()
        await _learners(services.store, now)
        assert await scheduler.tick(services, now) == 2  # one batch
        assert await scheduler.tick(services, now, scheduler.ROUND_BATCHES) == LEARNERS - 2  # the rest, at once
        assert await services.store.schedule.due(now, 100) == []
        assert await window_summary.summarise_windows(services, now) == 2
        assert await window_summary.summarise_windows(services, now, scheduler.ROUND_BATCHES) == LEARNERS - 2
        assert await services.store.unsummarised_sessions(*reversed(window_summary.rules.due_range(now))) == []
    finally:
        await services.aclose()
