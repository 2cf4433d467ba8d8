"""The fair-use gate, run by the agents before any model or transcription work, so a message that is not
to be served costs nothing.

In order: a blocked address is dropped without a word; a flood past the learner's token bucket gets one
"slow down" and then silence until the bucket refills; then, with billing on, "cancel" and its
confirmation are answered, a freshly paid plan is confirmed in one line ahead of the reply, and the message
takes its place in the learner's counter (the lifetime free quota, or a paid learner's day in their
timezone): within it the tutor answers; the first past it gets the Payment Link and what paying gives; every
later one a short reminder.

A voice note is gated by the voice agent (``screen_voice``, before the download and the speech model); its
transcript then reaches the conversation agent already charged, so it is not counted again.
"""

from __future__ import annotations

import hashlib
import logging
import math

from habla.billing import FairUse
from habla.agents import cancel, outbox
from habla.storage.billing import Account
from habla.domain import billing_text
from habla.domain.fair_use import Flood, Verdict, next_local_midnight, normalise_address, payment_url, period_for, verdict, zone
from habla.domain.messages import Inbound, InboundKind, Outbound, hashed

log = logging.getLogger(__name__)

CHARGED_KINDS = {InboundKind.TEXT, InboundKind.INTERACTIVE, InboundKind.AUDIO}  # what would reach a model


async def screen_text(services, inbound: Inbound, learner, session) -> bool:
    """True when the message was dealt with here (answered or dropped) and must not reach the model."""
    fair_use: FairUse | None = services.fair_use
    if fair_use is None:
        return False
    transcript = "transcript_of" in inbound.extra  # our voice agent's forward: screened and charged as a note
    if not transcript and await _refused(services, fair_use, inbound, learner):
        return True
    if not fair_use.billing_on:
        return False
    account = await fair_use.account(learner.id)
    answer = await cancel.intercept(services, inbound, learner, session, account) if inbound.kind == InboundKind.TEXT else None
    if answer is not None:
        await say(services, inbound, *answer)
        return True
    if account.notice == "activated":
        await say(services, inbound, "activated", billing_text.text("activated", learner.profile.native_language))
        await fair_use.store.clear_notice(learner.id)
        await fair_use.cache.invalidate(learner.id)
    if transcript or inbound.kind not in CHARGED_KINDS:
        return False
    return not await _within_quota(services, fair_use, inbound, learner, account)


async def screen_voice(services, inbound: Inbound, learner) -> bool:
    """The same gate for a voice note, before it is downloaded or transcribed."""
    fair_use: FairUse | None = services.fair_use
    if fair_use is None:
        return False
    if await _refused(services, fair_use, inbound, learner):
        return True
    if not fair_use.billing_on:
        return False
    account = await fair_use.account(learner.id)
    return not await _within_quota(services, fair_use, inbound, learner, account)


async def _refused(services, fair_use: FairUse, inbound: Inbound, learner) -> bool:
    """Blocked, or flooding."""
    if await fair_use.blocklist.contains(normalise_address(inbound.address)):
        log.info("blocked learner=%s: dropped", hashed(learner.id))
        return True
    if fair_use.flood is None:
        return False
    flood = await fair_use.flood.take(learner.id, fair_use.clock())
    if flood == Flood.PASS:
        return False
    if flood == Flood.SLOW_DOWN:
        await say(services, inbound, "slow-down", billing_text.text("slow_down", learner.profile.native_language))
    log.info("flood learner=%s: %s", hashed(learner.id), flood)
    return True


async def _within_quota(services, fair_use: FairUse, inbound: Inbound, learner, account: Account) -> bool:
    settings = fair_use.settings.billing
    now = fair_use.clock()
    tz = zone(learner.profile.timezone, settings.default_timezone)
    limit = settings.paid_daily_messages if account.paid else settings.free_messages
    period = period_for(account.paid, now, tz)
    position = await fair_use.store.charge(learner.id, f"{inbound.channel}:{inbound.message_id}", period)
    outcome = verdict(position, limit)
    if outcome == Verdict.SERVE:
        return True
    language = learner.profile.native_language
    if account.paid:
        hours = max(1, math.ceil((next_local_midnight(now, tz) - now) / 3600))
        reply = billing_text.text("daily_limit", language, daily=limit, hours=hours)
    else:
        url = payment_url(fair_use.settings.stripe.payment_link or "", learner.id)
        name = "limit_reached" if outcome == Verdict.LIMIT_REACHED else "reminder"
        reply = billing_text.text(name, language, limit=limit, daily=settings.paid_daily_messages, url=url)
    await say(services, inbound, "quota", reply)
    log.info("quota learner=%s period=%s position=%d limit=%d: not served", hashed(learner.id), period.split(":")[0], position, limit)
    return False


def outbound_id(inbound: Inbound, suffix: str) -> str:
    """Derived from the inbound message, so a redelivery publishes the same id and the sender sends it once."""
    return hashlib.sha256(f"{inbound.channel}:{inbound.message_id}:billing:{suffix}".encode()).hexdigest()[:32]


async def say(services, inbound: Inbound, suffix: str, text: str) -> None:
    """A short reply with no turn stored (like the privacy answers); same topic and key as the tutor's."""
    outbound = Outbound(
        outbound_id=outbound_id(inbound, suffix), channel=inbound.channel, address=inbound.address,
        chunks=[text], in_reply_to=inbound.extra.get("transcript_of") or inbound.message_id,
    )
    await outbox.publish(services, outbound)
