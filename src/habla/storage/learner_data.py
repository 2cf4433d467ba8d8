"""The learner's rights over their data, across every table: export everything, erase everything.

A table holding learner data must carry ``learner_id`` or ``learner_key``: then it is erased and exported
here without a change to this code (``Base.metadata`` lists the tables).
"""

from __future__ import annotations

from sqlalchemy import delete, select

from habla.storage.access import TableAccess
from habla.storage.models import Base, LearnerRow


class LearnerData(TableAccess):
    async def export(self, channel: str, address: str) -> dict | None:
        """Every row about the learner, as plain JSON-able data (vectors left out: they are derived numbers)."""
        async with self.reading() as session:
            row = (
                await session.execute(select(LearnerRow).where(LearnerRow.channel == channel, LearnerRow.address == address))
            ).scalar_one_or_none()
            if row is None:
                return None
            learner_key = f"{channel}:{address}"
            tables: dict[str, list[dict]] = {}
            for table in Base.metadata.sorted_tables:
                if table.name == "learners":
                    continue
                where = _learner_condition(table, row.id, learner_key)
                if where is None:
                    continue
                columns = [c for c in table.columns if c.name != "embedding"]
                result = await session.execute(select(*columns).where(where))
                tables[table.name] = [dict(r._mapping) for r in result]
        return {
            "learner": {"channel": row.channel, "address": row.address, "created_at": row.created_at,
                        "last_inbound_at": row.last_inbound_at, "profile": row.profile},
            **tables,
        }

    async def erase(self, channel: str, address: str) -> str | None:
        """Delete every row of the learner in every table that names them; returns their id (None if unknown).

        A table holding learner data must carry ``learner_id`` or ``learner_key``: then it is erased here
        (and exported above) without a change to this code. ``inbound_seen`` holds keyed digests of provider
        ids only (pruned after 7 days). On SQLite the freed bytes are zeroed (``secure_delete``) and the WAL
        checkpointed, so the file keeps no copy either.
        """
        learner_key = f"{channel}:{address}"
        async with self.writing() as session:
            learner_id = (
                await session.execute(select(LearnerRow.id).where(LearnerRow.channel == channel, LearnerRow.address == address))
            ).scalar_one_or_none()
            for table in reversed(Base.metadata.sorted_tables):
                if table.name == "learners":
                    continue
                where = _learner_condition(table, learner_id, learner_key)
                if where is not None:
                    await session.execute(delete(table).where(where))
            if learner_id is not None:
                await session.execute(delete(LearnerRow).where(LearnerRow.id == learner_id))
        if not self.postgres:
            # secure_delete zeroes the rows in the database file, but the WAL still holds the pages as they were
            # written; a checkpoint that truncates it leaves only the zeroed pages.
            async with self.connection() as connection:
                await connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        return learner_id


def _learner_condition(table, learner_id: str | None, learner_key: str):
    conditions = []
    if "learner_id" in table.columns and learner_id is not None:
        conditions.append(table.columns["learner_id"] == learner_id)
    if "learner_key" in table.columns:
        conditions.append(table.columns["learner_key"] == learner_key)
    if not conditions:
        return None
    return conditions[0] if len(conditions) == 1 else conditions[0] | conditions[1]
