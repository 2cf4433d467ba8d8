"""The scheduler tick: sends each learner's practice prompt once per chosen slot.

``tick(services, now)`` reads the ``practice_schedule`` rows that are due and, for each:

- a profile whose times or timezone changed since the row was written is rescheduled first (lazily: the
  commands and onboarding write the profile, the tick catches up);
- the missed-slot rule (domain.practice_schedule): a slot found 2 h late or more is skipped, never sent;
- a learner who left ``settings.practice.pause_after`` prompts unanswered (prompts sent since their last
  message) gets no more until they write again: their slots pass silently;
- otherwise the prompt is published through habla.agents.outbox with ``outbound_id`` = uuid5(learner, slot).

Exactly once: the prompt is published *before* the row is claimed (``store.schedule.advance``, a
compare-and-set that moves next_due_at off this slot for one caller only, on Postgres and SQLite alike). A
crash between the two re-publishes the same outbound id on the next tick, and the sender's delivery rows
(keyed by that id) skip what already went out; two ticks racing publish the same id, one of them claims.
Nothing is lost and nothing goes twice.

The 24-hour window is the sender's: inside it the prompt goes as free text with Start / Later / Stop
buttons; outside it the WhatsApp sender sends the approved re-engagement template instead and holds the
prompt (agents/held_replies.py) until the learner answers. The scheduler does not choose; one path only.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid

from habla.agents import outbox
from habla.domain import practice_prompt_text as say
from habla.domain import practice_schedule as rules
from habla.domain.chunking import split_message
from habla.domain.learner import Learner
from habla.domain.messages import Outbound, hashed
from habla.practice.schedule import reschedule
from habla.practice.window_summary import summarise_windows

log = logging.getLogger(__name__)

PROMPTS_KEY = "practice_prompts"  # profile: the prompts sent lately, [{"slot", "sent_at"}], newest last
OPEN_KEY = "practice_prompt_open"  # profile: the slot of a prompt whose Start / Later / Stop is awaited
KEEP_PROMPTS = 20  # enough history for any sensible pause_after
BATCH = 100
# a round drains up to this many batches, not one: at one batch a round (30 s) a process could send only
# 12,000 prompts an hour, fewer than a popular 08:00 among 100,000 learners, and late slots are skipped
ROUND_BATCHES = 50


def prompt_id(learner_id: str, slot: float) -> str:
    """The prompt's outbound id: the same learner and slot give the same id in every process, every retry."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"practice-prompt:{learner_id}:{slot:.3f}").hex


async def tick(services, now: float, batches: int = 1) -> int:
    """Send the prompts due at ``now``, reading up to ``batches`` batches of ``BATCH`` due rows (fewer when
    a batch comes back short: nothing more is due); returns how many this call claimed and published.
    Every row read leaves the due set (sent, skipped, paused, rescheduled, or claimed by another tick), so
    each batch reads new rows."""
    sent = 0
    for _ in range(batches):
        entries = await services.store.schedule.due(now, BATCH)
        learners = await services.store.learners_by_ids([entry.learner_id for entry in entries])
        for entry in entries:
            if entry.learner_id not in learners:
                continue  # erased between the read and now; the row went with the learner (ON DELETE CASCADE)
            learner, last_inbound_at = learners[entry.learner_id]
            if await _one(services, learner, last_inbound_at, entry, now):
                sent += 1
        if len(entries) < BATCH:
            break
    return sent


async def _one(services, learner: Learner, last_inbound_at: float | None, entry, now: float) -> bool:
    profile = learner.profile
    if rules.signature(profile.reminder_times, profile.timezone) != entry.signature:
        await reschedule(services, learner, now)
        return False
    slot = entry.next_due_at
    following = rules.next_slot(profile.reminder_times, profile.timezone, now)
    if not rules.late_but_sendable(slot, now):
        if await services.store.schedule.advance(learner.id, slot, following, now):
            log.info("practice slot skipped (late) learner=%s", hashed(learner.id))
        return False
    if _paused(services, learner, last_inbound_at):
        if await services.store.schedule.advance(learner.id, slot, following, now):
            log.info("practice prompt paused (unanswered) learner=%s", hashed(learner.id))
        return False
    language = profile.native_language
    channel = services.channels.get(learner.channel)
    await outbox.publish(services, Outbound(
        outbound_id=prompt_id(learner.id, slot), channel=learner.channel, address=learner.address,
        chunks=split_message(say.text("prompt", language), services.settings.channels.text_chunk_chars,
                             channel.hard_limit if channel is not None else None),
        choices=say.choices(language),
    ))
    if not await services.store.schedule.advance(learner.id, slot, following, now):
        return False  # another tick claimed this slot; it published the same id, so nothing goes twice
    await services.store.set_profile_keys(learner.id, {PROMPTS_KEY: lambda old: _remember(old, slot, now),
                                                       OPEN_KEY: lambda _old: slot})
    log.info("practice prompt queued learner=%s", hashed(learner.id))
    return True


def _paused(services, learner: Learner, last: float | None) -> bool:
    """True when the last ``pause_after`` prompts all went out after the learner's last message (``last``)."""
    prompts = (learner.profile.model_extra or {}).get(PROMPTS_KEY) or []
    unanswered = [p for p in prompts if last is None or p["sent_at"] > last]
    return len(unanswered) >= services.settings.practice.pause_after


def _remember(old, slot: float, now: float) -> list[dict]:
    prompts = [p for p in (old or []) if p.get("slot") != slot]
    return [*prompts, {"slot": slot, "sent_at": now}][-KEEP_PROMPTS:]


async def watch(services) -> None:
    """Runs until cancelled, every ``settings.practice.tick_s``: the due prompts, then the due window
    summaries (practice/window_summary.py) when ``settings.practice.window_summary`` is on. Sleeps first so a
    process's start is cheap; a failed round (store down) is logged and tried again next round."""
    practice = services.settings.practice
    while True:
        await asyncio.sleep(practice.tick_s)
        try:
            now = time.time()
            sent = await tick(services, now, ROUND_BATCHES)
            summaries = await summarise_windows(services, now, ROUND_BATCHES) if practice.window_summary else 0
            if sent or summaries:
                log.info("practice prompts queued: %d, window summaries: %d", sent, summaries)
        except Exception:
            log.exception("practice round failed; retrying in %.0f s", practice.tick_s)
