"""Dead letters across the topics this deployment uses, and the operator's replay.

A replay publishes the message again as a new bus message and then drops the dead letter. An inbound or
voice message was claimed (habla.agents.dedupe) by the bus message that died; that claim is released first,
or the agent would take the replay for a provider's duplicate and drop it. Every handler is idempotent, so a
replay of a message that was half handled (its turn stored, its reply partly sent) finishes it without
repeating anything.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from habla.bus.base import Envelope
from habla.domain.messages import hashed

log = logging.getLogger(__name__)

CLAIMED_TOPICS = ("inbound", "voice")  # their agents claim the provider's message id


@dataclass
class DeadLetterLine:
    topic: str
    id: str
    learner: str  # hashed key: the page shows no phone number
    error: str
    attempts: int
    group: str


def topics(services) -> list[str]:
    from habla.agents.memory import TOPICS as MEMORY_TOPICS

    outbound = [f"outbound.{name}" for name in services.channels if name != "console"]
    return ["inbound", "voice", *MEMORY_TOPICS, *outbound]


async def dead_letter_lines(services) -> list[DeadLetterLine]:
    lines = []
    for topic in topics(services):
        for letter in await services.bus.dead_letters(topic):
            lines.append(
                DeadLetterLine(
                    topic=topic, id=letter.id, learner=hashed(letter.key), error=getattr(letter, "error", "")[:300],
                    attempts=letter.attempt, group=getattr(letter, "group", ""),
                )
            )
    return lines


async def dead_letter_count(services) -> int:
    return sum([len(await services.bus.dead_letters(topic)) for topic in topics(services)])


async def replay(services, topic: str, message_id: str) -> bool:
    """Put one dead letter back on its topic; False when there is no such dead letter (already replayed)."""
    if topic not in topics(services):
        return False
    letter: Envelope | None = next((e for e in await services.bus.dead_letters(topic) if e.id == message_id), None)
    if letter is None:
        return False
    payload = letter.payload
    if topic in CLAIMED_TOPICS and isinstance(payload.get("channel"), str) and isinstance(payload.get("message_id"), str):
        await services.store.release_claim(payload["channel"], payload["message_id"], f"{topic}:{message_id}")
    await services.bus.publish(topic, letter.key, payload)
    await services.bus.remove_dead_letter(topic, message_id)  # after the publish: a failure here replays twice at worst
    log.info("dead letter replayed topic=%s learner=%s", topic, hashed(letter.key))
    return True
