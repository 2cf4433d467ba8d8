"""The window summary: 23 h after a learner's last message, while WhatsApp still lets us write freely, one
short message with the session's key points (its corrections and new words) and the next practice time.
The rules (when, what counts, the wording) are domain.window_summary's; this reads and publishes.

It runs in the scheduler's round (practice/scheduler.py ``watch``), so in ``habla serve`` and in any number
of ``habla worker --agents scheduler`` processes. Exactly once, the scheduler's way: the summary is
published under uuid5(learner, last message time) *before* the session is claimed
(``store.mark_summarised``, a compare-and-set on learners.summarised_inbound_at). A crash between the two
publishes the same id again next round and the sender's delivery rows skip what already went out; two
processes racing publish the same id and one of them claims. A session with nothing to summarise is claimed
without a message, so it leaves the candidates; a learner who writes again starts a new session, whose own
summary comes 23 h after that message.
"""

from __future__ import annotations

import logging
import uuid

from habla.agents import outbox
from habla.domain import practice_schedule as schedule_rules
from habla.domain import window_summary as rules
from habla.domain.chunking import split_message
from habla.domain.learner import Learner, is_blocked
from habla.domain.messages import Outbound, hashed

log = logging.getLogger(__name__)

BATCH = 200
READ_CORRECTIONS = 50  # a day's corrections for a keen learner; key_points keeps the few that matter
READ_WORDS = 20


def summary_id(learner_id: str, last_inbound_at: float) -> str:
    """The summary's outbound id: one session (learner + last message time) gives the same id everywhere."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"window-summary:{learner_id}:{last_inbound_at:.6f}").hex


async def summarise_windows(services, now: float, batches: int = 1) -> int:
    """Send the summaries due at ``now``, reading up to ``batches`` batches of ``BATCH`` candidates (fewer
    when one comes back short); returns how many this call published and claimed. Every candidate read is
    claimed, by this call or another, so each batch reads new ones."""
    ended_after, ended_before = rules.due_range(now)
    sent = 0
    for _ in range(batches):
        candidates = await services.store.unsummarised_sessions(ended_before, ended_after, BATCH)
        learners = await services.store.learners_by_ids([learner_id for learner_id, _ in candidates])
        for learner_id, last_at in candidates:
            if learner_id not in learners:
                continue  # erased since the candidates were read
            if await _summarise(services, learners[learner_id][0], last_at, now):
                sent += 1
        if len(candidates) < BATCH:
            break
    return sent


async def _summarise(services, learner: Learner, last_at: float, now: float) -> bool:
    text = None if is_blocked(learner.profile) else await _summary_text(services, learner, last_at, now)
    if text is not None:
        await outbox.publish(services, _outbound(services, learner, last_at, text))
    if await services.store.mark_summarised(learner.id, last_at) and text is not None:
        log.info("window summary queued learner=%s", hashed(learner.id))
        return True
    return False


async def _summary_text(services, learner: Learner, last_at: float, now: float) -> str | None:
    profile = learner.profile
    since = rules.session_start(last_at)
    corrections = await services.store.corrections.for_learner(learner.id, since=since, limit=READ_CORRECTIONS)
    words = await services.store.words.newest(learner.id, READ_WORDS, profile.target_language)
    points = rules.key_points(
        [rules.Mistake(c.original, c.corrected, c.severity, c.created_at) for c in corrections],
        [rules.Word(w.lemma, w.translation) for w in words if w.first_seen > since],
    )
    if not points:
        return None
    language = profile.explanation_language or profile.native_language
    entry = await services.store.schedule.get(learner.id)
    if entry is not None and entry.next_due_at is not None and entry.next_due_at > now:
        due = entry.next_due_at  # the scheduled prompt (a snooze included)
    else:  # no row yet, or one the tick has not moved on (a scheduler that was down): the profile's next time
        due = schedule_rules.next_slot(profile.reminder_times, profile.timezone, now)
    # a row with no times is a learner who turned reminders off: they are not nudged to turn them on again
    stopped = due is None and entry is not None
    closing = None if stopped else rules.next_practice(due, now, profile.timezone, language)
    return rules.compose(points, closing, language)


def _outbound(services, learner: Learner, last_at: float, text: str) -> Outbound:
    channel = services.channels.get(learner.channel)
    return Outbound(
        outbound_id=summary_id(learner.id, last_at), channel=learner.channel, address=learner.address,
        chunks=split_message(text, services.settings.channels.text_chunk_chars,
                             channel.hard_limit if channel is not None else None),
        # no answers_message_at: this answers nothing, and the dashboard would time a 23-hour "reply"; the
        # sender finds the window open from the learner's recorded last message
    )
