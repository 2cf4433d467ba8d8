"""The sender agent: hands outbound messages to their channel, in order, each at most once.

A chunk is recorded as delivered right after the channel accepts it; a redelivered outbound message skips
the recorded chunks, so a crash mid-reply resumes where it stopped instead of repeating itself. Voice notes
and flashcard images follow the text, recorded the same way (indices after the chunks'). On channels
whose provider reports each send by webhook (WhatsApp, and Twilio with HABLA_PUBLIC_URL), every item is also
claimed "sending" before it goes out: a chunk found claimed but not recorded (the worker died between the
provider's accept and the row) waits a bounded time for the provider's status (agents/delivery_evidence.py)
instead of going out twice.

Channel-agnostic: what a transport can do beyond ``send_text`` is asked of it by ``isinstance`` (see the
capability protocols in habla.channels.base), so WhatsApp's Cloud API and Twilio get the same behaviour:

- a RECEIPT marks the learner's message read (typing indicator on), best effort: it never blocks a reply;
- a channel with templates has WhatsApp's 24-hour window: outside it (by our records, or because the
  provider says so) the configured template goes out instead of free text, and the reply is held until
  the learner answers (agents/held_replies.py); a reply to a message under 24 h old is always inside;
- a rate limit is waited out here, in place, with a capped exponential backoff: the shard waits with us,
  so the learner's later messages cannot overtake this one;
- refused credentials are the operator's to fix: one ERROR line, and the message is dead-lettered at once
  instead of retried against the provider (the dead letter keeps it for a replay).
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Awaitable, Callable

from habla.agents import held_replies
from habla.agents.privacy import erase_learner
from habla.backoff import backoff_s
from habla.bus.base import Envelope, PermanentError
from habla.channels.base import SERVICE_WINDOW_S, Channel, Choices, ReadReceipts, Templates
from habla.domain.messages import Outbound, OutboundKind, hashed
from habla.errors import ChannelAuthError, ChannelError, ChannelRateLimited, OutsideWindowError
from habla.services import Services

log = logging.getLogger(__name__)

TEMPLATE_INDEX = -1  # the delivery row saying "the template went out instead of this reply's chunks"
RATE_LIMIT_RETRIES = 6  # waits in place before handing the message back to the bus's own retries
RATE_LIMIT_MAX_WAIT_S = 30.0
SENDING = "sending"  # inbound_seen claims: "someone began sending this chunk" (see _sent_before)
EVIDENCE_POLL_S = 0.1


async def handle(envelope: Envelope, services: Services) -> None:
    outbound = Outbound.model_validate(envelope.payload)
    if outbound.kind == OutboundKind.FORGET:  # queued behind the goodbye, so it runs once that went out
        await erase_learner(services, outbound.channel, outbound.address)
        return
    channel = services.channels.get(outbound.channel)
    if channel is None:
        # Nothing in this process can send on it; raising lets the bus retry, then dead-letter it visibly.
        raise ChannelError(f"no sender configured for channel {outbound.channel!r}")
    try:
        if outbound.kind == OutboundKind.RECEIPT:
            await _mark_read(outbound, channel)
        else:
            await _send_reply(outbound, channel, services)
    except ChannelAuthError as exc:
        log.error(
            "OPERATOR ACTION NEEDED: %s refused our credentials (%s). Nothing can be sent until the access "
            "token is fixed; this message was dead-lettered without retries.", channel.name, exc,
        )
        raise PermanentError(f"{channel.name} refused our credentials: {exc}") from exc


async def _mark_read(outbound: Outbound, channel: Channel) -> None:
    if not isinstance(channel, ReadReceipts) or not outbound.in_reply_to:
        return
    try:
        await channel.mark_read(outbound.in_reply_to)
    except ChannelAuthError:
        raise  # the reply right behind it would fail the same way; say it once, loudly
    except ChannelError as exc:
        # A missing blue tick is cosmetic; retrying it would only hold up the reply queued behind it.
        log.warning("read receipt not sent learner=%s: %s", hashed(outbound.learner_key), type(exc).__name__)


async def _send_reply(outbound: Outbound, channel: Channel, services: Services) -> None:
    done = await services.store.delivered_chunks(outbound.outbound_id)
    if TEMPLATE_INDEX in done:
        return  # the template already went out in place of this reply
    windowed = isinstance(channel, Templates)
    if windowed and not await _window_open(outbound, services):
        await _send_template(outbound, channel, services, reason="window closed")
        return
    first_handed_ms: float | None = None
    for index, chunk in enumerate(outbound.chunks):
        if index in done:
            continue
        try:
            sent = await _deliver(outbound, index, channel, services, _chunk_sender(channel, outbound, index, chunk))
        except OutsideWindowError:
            if not windowed:
                raise
            await _send_template(outbound, channel, services, reason="provider says window closed")
            return
        if sent and index == 0 and outbound.answers_message_at:  # the answer begins: the dashboard's "reply" stage
            first_handed_ms = (time.time() - outbound.answers_message_at) * 1000
    if first_handed_ms is not None:  # written after the text, so the later chunks do not wait for it
        await services.store.record_stage("reply", first_handed_ms)
    if outbound.voice:  # pronunciation examples as voice notes, after the text (habla.voice.outbound)
        from habla.voice.outbound import send_voice_items

        await send_voice_items(outbound, channel, services, done, lambda index, send: _deliver(outbound, index, channel, services, send))
    if outbound.cards:  # flashcards as images, after the voice notes (habla.pedagogy.card_delivery)
        from habla.pedagogy.card_delivery import send_cards

        await send_cards(outbound, channel, services, done, lambda index, send: _deliver(outbound, index, channel, services, send))
    log.info("sent learner=%s chunks=%d channel=%s", hashed(outbound.learner_key), len(outbound.chunks), channel.name)


async def _deliver(
    outbound: Outbound, index: int, channel: Channel, services: Services, send: Callable[[], Awaitable[None]]
) -> bool:
    """One item of a reply (a chunk, a voice note, a card) at most once: skipped when the provider already
    reported it, sent patiently under a "sending" claim, then recorded. True when it went out now."""
    if await _sent_before(outbound, index, channel, services):
        return False
    await _claimed_send(outbound, index, channel, services, send)
    await services.store.record_delivery(outbound.outbound_id, index, outbound.learner_key)
    return True


async def _sent_before(outbound: Outbound, index: int, channel: Channel, services: Services) -> bool:
    """True when an earlier attempt at this chunk reached the provider, by its own status callback.

    Claims the chunk "sending"; the first claim means nobody tried before, so there is nothing to wait for.
    A claim already there with no delivery row means a worker died mid-send (a refused send drops its claim):
    the provider's "sent" status, if it took the chunk, arrives within seconds, so wait for it a bounded time.
    """
    if not getattr(channel, "reports_delivery", False):
        return False
    key = f"{outbound.outbound_id}:{index}"
    if await services.store.claim_inbound(SENDING, key):
        return False
    deadline = time.monotonic() + services.settings.channels.delivery_evidence_wait_s
    while True:
        if index in await services.store.delivered_chunks(outbound.outbound_id):
            log.info("chunk already sent learner=%s (provider's status); not resent", hashed(outbound.learner_key))
            return True
        if time.monotonic() >= deadline:
            log.info("no evidence for an interrupted send learner=%s; sending again", hashed(outbound.learner_key))
            return False
        await asyncio.sleep(EVIDENCE_POLL_S)


async def _claimed_send(
    outbound: Outbound, index: int, channel: Channel, services: Services, send: Callable[[], Awaitable[None]]
) -> None:
    """``send`` (patiently); a refusal drops the "sending" claim, so the retry does not wait for evidence that
    cannot come. A crash leaves it, which is the point."""
    try:
        await _patiently(outbound, send)
    except Exception:
        if getattr(channel, "reports_delivery", False):
            await services.store.drop_claim(SENDING, f"{outbound.outbound_id}:{index}")
        raise


async def _last_message_at(outbound: Outbound, services: Services) -> float | None:
    """When the learner last wrote, as far as we know: our records, or the message this reply answers (a
    worker that crashed before recording the message must not turn its answer into a template)."""
    recorded = await services.store.last_inbound_at(outbound.channel, outbound.address)
    known = [at for at in (recorded, outbound.answers_message_at) if at is not None]
    return max(known) if known else None


def _chunk_sender(channel: Channel, outbound: Outbound, index: int, chunk: str) -> Callable[[], Awaitable[None]]:
    """Sends one chunk; the last one carries the reply's choices (buttons, a list) where the channel can."""
    key = f"{outbound.outbound_id}:{index}"
    if index == len(outbound.chunks) - 1 and outbound.choices and isinstance(channel, Choices):
        return lambda: channel.send_choices(outbound.address, chunk, outbound.choices, idempotency_key=key)
    return lambda: channel.send_text(outbound.address, chunk, idempotency_key=key)


async def _window_open(outbound: Outbound, services: Services) -> bool:
    last = await _last_message_at(outbound, services)
    return last is not None and time.time() - last < SERVICE_WINDOW_S


async def _send_template(outbound: Outbound, channel: Templates, services: Services, *, reason: str) -> None:
    """The re-engagement template instead of the reply: the learner's answer reopens the window.

    One template per closed window: several replies queued for a silent learner would otherwise each send
    one. The claim is keyed by the learner (hashed: the table keeps no phone number) and their last message
    time, and names this outbound message, so a redelivery of it after a crash still sends its template.
    """
    last = await _last_message_at(outbound, services)
    window = f"{hashed(outbound.learner_key)}:{last or 0:.6f}"
    if await services.store.claim_inbound("template", window, claimant=outbound.outbound_id):
        key = f"{outbound.outbound_id}:template"
        await _patiently(outbound, lambda: channel.send_template(outbound.address, idempotency_key=key))
        log.info("sent template learner=%s channel=%s reason=%s", hashed(outbound.learner_key), channel.name, reason)
    else:
        log.info("template already sent learner=%s", hashed(outbound.learner_key))
    await held_replies.hold(services, outbound)  # delivered when they answer the template
    await services.store.record_delivery(outbound.outbound_id, TEMPLATE_INDEX, outbound.learner_key)


async def _patiently(outbound: Outbound, send: Callable[[], Awaitable[None]]) -> None:
    """``send()``, waiting out rate limits: retry_after_s doubled each time, capped, a bounded number of times."""
    for attempt in range(RATE_LIMIT_RETRIES + 1):
        try:
            await send()
            return
        except ChannelRateLimited as exc:
            if attempt == RATE_LIMIT_RETRIES:
                raise  # still limited: the bus retries later, and the shard (this learner's order) waits
            wait_s = backoff_s(attempt, max(exc.retry_after_s, 0.001), RATE_LIMIT_MAX_WAIT_S)
            log.warning(
                "rate limited learner=%s; waiting %.2fs before retry %d", hashed(outbound.learner_key), wait_s, attempt + 1
            )
            await asyncio.sleep(wait_s)
