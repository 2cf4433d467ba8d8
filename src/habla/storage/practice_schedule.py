"""The practice_schedule table: one row per learner with reminders, the UTC time their next prompt is due.

On ``Store`` as ``store.schedule``:

    get(learner_id)                                  as ``ScheduleEntry`` (None: never scheduled)
    put(learner_id, signature, next_due_at, at)      insert or replace the learner's row
    due(now, limit)                                  rows whose next_due_at has come, oldest first
    advance(learner_id, expected, next_due_at, at)   the claim: moves the row on only if it still says ``expected``
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update

from habla.storage.access import TableAccess
from habla.storage.models import PracticeScheduleRow


@dataclass(frozen=True)
class ScheduleEntry:
    learner_id: str
    signature: str
    next_due_at: float | None
    updated_at: float


class PracticeScheduleTable(TableAccess):
    async def get(self, learner_id: str) -> ScheduleEntry | None:
        async with self.reading() as session:
            row = await session.get(PracticeScheduleRow, learner_id)
            return ScheduleEntry(row.learner_id, row.signature, row.next_due_at, row.updated_at) if row else None

    async def put(self, learner_id: str, signature: str, next_due_at: float | None, at: float) -> None:
        statement = self._insert(PracticeScheduleRow.__table__).values(
            learner_id=learner_id, signature=signature, next_due_at=next_due_at, updated_at=at,
        )
        statement = statement.on_conflict_do_update(
            index_elements=["learner_id"],
            set_={"signature": statement.excluded.signature, "next_due_at": statement.excluded.next_due_at,
                  "updated_at": statement.excluded.updated_at},
        )
        async with self.writing() as session:
            await session.execute(statement)

    async def due(self, now: float, limit: int = 100) -> list[ScheduleEntry]:
        """Rows due at ``now``; reading them claims nothing (``advance`` does), so any number of ticks may."""
        query = (select(PracticeScheduleRow).where(PracticeScheduleRow.next_due_at <= now)
                 .order_by(PracticeScheduleRow.next_due_at).limit(limit))
        async with self.reading() as session:
            rows = (await session.execute(query)).scalars().all()
            return [ScheduleEntry(row.learner_id, row.signature, row.next_due_at, row.updated_at) for row in rows]

    async def advance(self, learner_id: str, expected: float, next_due_at: float | None, at: float) -> bool:
        """Compare-and-set: True for the one caller that moved the row off ``expected``. On Postgres a
        concurrent UPDATE waits for the row lock, then re-checks the WHERE on the committed row and matches
        nothing; SQLite serialises writers. Either way a slot is claimed exactly once."""
        statement = (update(PracticeScheduleRow)
                     .where(PracticeScheduleRow.learner_id == learner_id, PracticeScheduleRow.next_due_at == expected)
                     .values(next_due_at=next_due_at, updated_at=at))
        async with self.writing() as session:
            return (await session.execute(statement)).rowcount == 1
