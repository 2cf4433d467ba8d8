"""The corrections table: every correction the tutor made, one row each, so mistakes can be counted.

On ``Store`` as ``store.corrections``:

    for_learner(learner_id, since=None, limit=None)  newest first, as ``StoredCorrection``
    for_turn(turn_id)                                in the order the tutor gave them
    counts(learner_id, since=None)                   {category: count}

Rows are written with their turn, in the turn's transaction (``TurnTable.save_turn(..., corrections=...)``),
so a turn and its corrections exist together or not at all, and a redelivered message adds none twice.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from habla.domain.tutor_turn import Correction
from habla.storage.access import TableAccess
from habla.storage.models import CorrectionRow


@dataclass(frozen=True)
class StoredCorrection:
    id: str
    learner_id: str
    turn_id: str
    category: str
    original: str
    corrected: str
    explanation: str
    severity: str
    created_at: float



async def add_in(
    session: AsyncSession, learner_id: str, turn_id: str, corrections: list[Correction], at: float
) -> None:
    """Insert a turn's corrections inside the caller's transaction. Ids derive from the turn, so the same
    turn can never hold the same correction twice."""
    if not corrections:
        return
    rows = [
        {
            "id": uuid.uuid5(uuid.NAMESPACE_URL, f"correction:{turn_id}:{index}").hex,
            "learner_id": learner_id,
            "turn_id": turn_id,
            "position": index,
            "category": correction.category,
            "original": correction.original,
            "corrected": correction.corrected,
            "explanation": correction.explanation,
            "severity": correction.severity,
            "created_at": at,
        }
        for index, correction in enumerate(corrections)
    ]
    await session.execute(insert(CorrectionRow.__table__), rows)


class CorrectionTable(TableAccess):
    async def for_learner(self, learner_id: str, since: float | None = None, limit: int | None = None) -> list[StoredCorrection]:
        """The learner's corrections, newest first (``since``: created_at > since)."""
        query = select(CorrectionRow).where(CorrectionRow.learner_id == learner_id)
        if since is not None:
            query = query.where(CorrectionRow.created_at > since)
        query = query.order_by(CorrectionRow.created_at.desc(), CorrectionRow.position)
        if limit is not None:
            query = query.limit(limit)
        return await self.records(query, StoredCorrection)

    async def for_turn(self, turn_id: str) -> list[StoredCorrection]:
        query = select(CorrectionRow).where(CorrectionRow.turn_id == turn_id).order_by(CorrectionRow.position)
        return await self.records(query, StoredCorrection)

    async def counts(self, learner_id: str, since: float | None = None) -> dict[str, int]:
        """How many corrections per category (``since``: created_at > since)."""
        query = select(CorrectionRow.category, func.count()).where(CorrectionRow.learner_id == learner_id)
        if since is not None:
            query = query.where(CorrectionRow.created_at > since)
        async with self.reading() as session:
            rows = await session.execute(query.group_by(CorrectionRow.category))
            return {category: int(count) for category, count in rows}
