"""Exactly-once bookkeeping: claimed provider message ids (``inbound_seen``) and sent chunks (``deliveries``).

Claims are stored under a keyed digest of ``channel:message_id`` (domain/digests.py), never the id itself:
WhatsApp message ids embed the sender's number, and the claims outlive "delete my data" (they must, or a
provider retry after the erasure would be answered). Without the server key a digest cannot be matched to
a number.
"""

from __future__ import annotations

import time

from sqlalchemy import delete, select

from habla.domain.digests import digest
from habla.storage.access import TableAccess
from habla.storage.models import DeliveryRow, InboundSeenRow


class DeliveryTable(TableAccess):
    async def claim_inbound(self, channel: str, message_id: str, claimant: str | None = None) -> bool:
        """True the first time a provider message id is seen, in any process; also True again for the same
        ``claimant`` (the same bus message redelivered after a crash), False for anyone else."""
        key = claim_key(channel, message_id)
        inserted = await self.insert_ignore(
            InboundSeenRow.__table__, {"channel": channel, "message_id": key, "seen_at": time.time(), "claimed_by": claimant},
        )
        if inserted or claimant is None:
            return inserted
        async with self.reading() as session:
            row = await session.get(InboundSeenRow, (channel, key))
        return row is not None and row.claimed_by == claimant

    async def release_claim(self, channel: str, message_id: str, claimant: str) -> bool:
        """Forget ``claimant``'s claim (a dead letter being replayed as a new bus message); True if there was one."""
        async with self.writing() as session:
            result = await session.execute(
                delete(InboundSeenRow).where(
                    InboundSeenRow.channel == channel, InboundSeenRow.message_id == claim_key(channel, message_id),
                    InboundSeenRow.claimed_by == claimant,
                )
            )
        return bool(result.rowcount)

    async def drop_claim(self, channel: str, message_id: str) -> None:
        """Forget a claim whoever made it (a send that was refused: nobody needs to wait for its evidence)."""
        async with self.writing() as session:
            await session.execute(
                delete(InboundSeenRow).where(
                    InboundSeenRow.channel == channel, InboundSeenRow.message_id == claim_key(channel, message_id)
                )
            )

    async def prune_claims(self, before: float) -> int:
        """Delete claims made before ``before`` (habla.agents.janitor: nothing kept past the retry horizon)."""
        async with self.writing() as session:
            result = await session.execute(delete(InboundSeenRow).where(InboundSeenRow.seen_at < before))
        return int(result.rowcount or 0)

    async def delivered_chunks(self, outbound_id: str) -> set[int]:
        async with self.reading() as session:
            rows = await session.execute(select(DeliveryRow.chunk_index).where(DeliveryRow.outbound_id == outbound_id))
            return set(rows.scalars())

    async def record_delivery(self, outbound_id: str, chunk_index: int, learner_key: str) -> None:
        await self.insert_ignore(
            DeliveryRow.__table__,
            {"outbound_id": outbound_id, "chunk_index": chunk_index, "learner_key": learner_key, "sent_at": time.time()},
        )


def claim_key(channel: str, message_id: str) -> str:
    """The ``inbound_seen.message_id`` a claim on (channel, message id) is stored under."""
    return digest(f"{channel}:{message_id}")
