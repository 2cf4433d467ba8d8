"""Forget and export, intercepted by the conversation agent before any model sees the message.

"delete my data" → a confirmation question (the session remembers it for ``confirm_timeout_s``); "yes" →
the goodbye reply, then an outbound FORGET on the same topic and key, so the sender handles it strictly after
the goodbye went out (same shard, in order). ``erase_learner`` then removes every trace:

- rows: every table with a ``learner_id`` or ``learner_key`` column (learners, turns, memories and their
  vectors, llm_calls, deliveries…); ``inbound_seen`` keeps only keyed digests of provider message ids
  (WhatsApp ids embed the number), pruned after 7 days; on SQLite the freed bytes are zeroed and the WAL
  checkpointed;
- the session (Redis keys or the in-process entry);
- bus entries: on Redis, the learner's entries in every topic stream and dead-letter stream (their payloads
  hold text and the phone number), acknowledged or not, are XDELed, both those keyed by their address and
  those keyed by their learner id (``session.end``, on another shard); the in-process bus forgets its dead
  letters for both keys;
- stored media: ``media_dir/<learner id>/``, and the files waiting for Twilio to fetch them.

"export my data" → every row about the learner and their session as JSON, sent as text messages (the
channels here send text, voice and images, not documents), cut at fixed lengths so the parts join back into
the exact document. Privacy messages make no turn: nothing about them is stored, and their outbound ids are
derived from the inbound message, so a redelivery resends nothing twice.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import shutil
import time
from pathlib import Path

from habla.agents import outbox
from habla.channels.twilio.channel import media_owner
from habla.channels.twilio.outbox import MediaOutbox
from habla.channels.twilio.webhook import NAME as TWILIO
from habla.domain import data_export, privacy
from habla.domain.messages import Inbound, InboundKind, Outbound, OutboundKind, hashed
from habla.memory.session import SessionState

log = logging.getLogger(__name__)

FORGET_PENDING = "forget"


def _outbound_id(inbound: Inbound, suffix: str) -> str:
    return hashlib.sha256(f"{inbound.channel}:{inbound.message_id}:{suffix}".encode()).hexdigest()[:32]


async def intercept(services, inbound: Inbound, learner, session: SessionState) -> bool:
    """True when the message was a privacy command or its confirmation, and has been answered."""
    if inbound.kind not in (InboundKind.TEXT, InboundKind.INTERACTIVE):  # a tapped "Yes" button reads as text
        return False
    sessions = services.memory.sessions
    now = time.time()
    command = privacy.command_in(inbound.text)
    if command is not None:
        name, language = command
        if name == "forget":
            await sessions.record(learner.id, [], [], now)  # the confirmation needs a session to wait in
            await sessions.update(
                learner.id, pending=f"{FORGET_PENDING}:{language}", pending_until=now + services.settings.memory.confirm_timeout_s
            )
            await _say(services, inbound, "confirm", privacy.text("confirm_forget", language), privacy.yes_no(language))
        else:
            await _export(services, inbound, learner, session, language)
        log.info("privacy command=%s learner=%s", name, hashed(learner.id))
        return True
    if not (session.pending or "").startswith(FORGET_PENDING) or session.pending_until < now:
        return False
    language = session.pending.split(":", 1)[1] if ":" in session.pending else "en"
    await sessions.update(learner.id, pending=None, pending_until=0)
    if not privacy.is_yes(inbound.text):
        await _say(services, inbound, "cancel", privacy.text("cancelled", language))
        return True
    await _say(services, inbound, "goodbye", privacy.text("forgotten", language))
    forget = Outbound(
        outbound_id=_outbound_id(inbound, "forget"), kind=OutboundKind.FORGET, channel=inbound.channel,
        address=inbound.address, in_reply_to=inbound.message_id,
    )
    await outbox.publish(services, forget)
    log.info("privacy forget confirmed learner=%s", hashed(learner.id))
    return True


async def _say(services, inbound: Inbound, suffix: str, text: str, choices: list[str] | None = None) -> None:
    await outbox.publish_reply(services, inbound, _outbound_id(inbound, suffix), text, choices=choices)


async def _export(services, inbound: Inbound, learner, session: SessionState, language: str) -> None:
    settings = services.settings.memory
    if not await _export_allowed(services, inbound, learner.id, settings.export_cooldown_s):
        await _say(services, inbound, "export-cooldown",
                   privacy.text("export_cooldown", language, minutes=max(1, round(settings.export_cooldown_s / 60))))
        return
    data = await services.store.export(inbound.channel, inbound.address) or {}
    data["session"] = session.model_dump(mode="json")
    data["exported_at"] = time.time()
    channel = services.channels.get(inbound.channel)
    limits = [services.settings.channels.text_chunk_chars, getattr(channel, "hard_limit", None) or 10**9]
    size = max(100, min(limits))
    document, truncated = data_export.fit(data, size * max(1, settings.export_max_messages - 1))  # the intro is one
    parts = [document[i : i + size] for i in range(0, len(document), size)]
    intro = privacy.text("export_intro", language, parts=len(parts))
    if truncated:
        intro += " " + privacy.text("export_truncated", language)
    outbound = Outbound(
        outbound_id=_outbound_id(inbound, "export"), channel=inbound.channel, address=inbound.address,
        chunks=[intro, *parts], in_reply_to=inbound.message_id,
    )
    await outbox.publish(services, outbound)


async def _export_allowed(services, inbound: Inbound, learner_id: str, cooldown_s: float) -> bool:
    """One export per cooldown, claimed in the profile (row-locked, so two processes cannot both win). The
    same message redelivered is allowed again: its outbound id is the same, so nothing is sent twice."""
    now = time.time()
    decision: dict[str, bool] = {}

    def claim(previous):
        last = previous if isinstance(previous, dict) else {}
        same_message = last.get("message") == inbound.message_id
        if not same_message and now - float(last.get("at") or 0) < cooldown_s:
            decision["allowed"] = False
            return previous
        decision["allowed"] = True
        return {"at": now if not same_message else last.get("at", now), "message": inbound.message_id}

    await services.store.update_profile_key(learner_id, "last_export", claim)
    return decision.get("allowed", True)


async def erase_learner(services, channel: str, address: str) -> None:
    """Every trace of the learner at this address: rows, session, bus entries, media. Idempotent."""
    learner_key = f"{channel}:{address}"
    learner_id = await services.store.erase(channel, address)
    if learner_id is not None:
        await services.memory.sessions.clear(learner_id)
        folder = Path(services.settings.media_dir) / learner_id
        if folder.is_dir():
            await asyncio.to_thread(shutil.rmtree, folder, True)
    deleted = await services.bus.forget_key(learner_key)
    if learner_id is not None:  # session.end is keyed by the learner id, so it sits on another shard
        deleted += await services.bus.forget_key(learner_id)
    if channel == TWILIO:  # voice notes and images waiting for Twilio to fetch them
        outbox = MediaOutbox(services.settings.media_dir)
        await asyncio.to_thread(outbox.forget, media_owner(address))
    log.info("erased learner=%s bus_entries=%d", hashed(learner_id or learner_key), deleted)
