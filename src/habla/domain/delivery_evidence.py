"""What a provider's status webhook proves about one of our sends (pure; habla.agents.delivery_evidence acts on it).

Every chunk goes out under an idempotency key, ``<outbound id>:<chunk index>``. WhatsApp echoes it back as
``biz_opaque_callback_data`` on the message's status webhooks; Twilio calls the ``StatusCallback`` URL we named
for that one send, which carries the key in its query. A "sent", "delivered" or "read" status for a key is
proof that the provider accepted that chunk, so a worker taking over after a crash must not send it again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

TOPIC = "delivery.evidence"
# statuses that mean "the provider took the message": failures, and Twilio's "accepted" (a Messaging Service
# still choosing a sender), prove nothing
ACCEPTED = {
    "whatsapp": frozenset({"sent", "delivered", "read"}),
    "twilio": frozenset({"queued", "sending", "sent", "delivered", "read"}),
}
# outbound ids are 32 hex characters (uuid4 or a derived digest); templates (":template") are not chunks
_KEY = re.compile(r"([0-9a-f]{32}):(\d{1,4})")


@dataclass(frozen=True)
class Evidence:
    outbound_id: str
    chunk_index: int


def evidence_of(channel: str, key: str | None, status: str) -> Evidence | None:
    """The chunk a status proves was accepted, or None (not our key, or a status that proves nothing)."""
    if not key or status not in ACCEPTED.get(channel, ()):
        return None
    match = _KEY.fullmatch(key)
    if match is None:
        return None
    return Evidence(match.group(1), int(match.group(2)))
