"""The turns table: one learner message and the tutor's reply, keyed by the inbound message."""

from __future__ import annotations

import time

from sqlalchemy import func, select

from habla.domain.learner import Turn
from habla.domain.tutor_turn import Correction, NewWord
from habla.storage import corrections as correction_rows
from habla.storage import learner_words as word_rows
from habla.storage.access import TableAccess
from habla.storage.models import TurnRow


def _turn(row: TurnRow) -> Turn:
    return Turn(
        id=row.id,
        learner_id=row.learner_id,
        inbound_key=row.inbound_key,
        user_text=row.user_text,
        reply_text=row.reply_text,
        tier=row.tier,
        created_at=row.created_at,
        path=row.path,
    )


class TurnTable(TableAccess):
    async def turn_for(self, inbound_key: str) -> Turn | None:
        async with self.reading() as session:
            row = (await session.execute(select(TurnRow).where(TurnRow.inbound_key == inbound_key))).scalar_one_or_none()
        return _turn(row) if row else None

    async def recent_turns(self, learner_id: str, limit: int) -> list[Turn]:
        async with self.reading() as session:
            rows = (
                await session.execute(
                    select(TurnRow).where(TurnRow.learner_id == learner_id).order_by(TurnRow.created_at.desc()).limit(limit)
                )
            ).scalars()
            return [_turn(row) for row in reversed(list(rows))]

    async def turns_between(self, learner_id: str, after: float, until: float, limit: int) -> tuple[list[Turn], int]:
        """The newest ``limit`` turns with after < created_at <= until (oldest first), and how many there are."""
        condition = (TurnRow.learner_id == learner_id) & (TurnRow.created_at > after) & (TurnRow.created_at <= until)
        async with self.reading() as session:
            count = (await session.execute(select(func.count()).select_from(TurnRow).where(condition))).scalar_one()
            rows = (
                await session.execute(select(TurnRow).where(condition).order_by(TurnRow.created_at.desc()).limit(limit))
            ).scalars()
            turns = [_turn(row) for row in rows]
        turns.reverse()
        return turns, count

    async def save_turn(
        self,
        turn: Turn,
        *,
        corrections: list[Correction] = (),
        words: list[NewWord] = (),
        language: str = "",
    ) -> Turn:
        """Store a turn with its corrections and new words (``language``: their target language), all in one
        transaction; if another delivery of the same message got there first, return that one and add
        nothing (so a word is never counted twice for one message)."""
        created_at = turn.created_at or time.time()
        statement = self._insert(TurnRow.__table__).values(
            id=turn.id,
            learner_id=turn.learner_id,
            inbound_key=turn.inbound_key,
            user_text=turn.user_text,
            reply_text=turn.reply_text,
            tier=turn.tier,
            created_at=created_at,
            path=turn.path,
        ).on_conflict_do_nothing()
        async with self.writing() as session:
            inserted = (await session.execute(statement)).rowcount == 1
            if inserted:
                await correction_rows.add_in(session, turn.learner_id, turn.id, list(corrections), created_at)
                if words:
                    await word_rows.add_in(
                        session, self._insert, self.postgres, turn.learner_id, language, list(words), created_at
                    )
        if inserted:
            return turn
        existing = await self.turn_for(turn.inbound_key)
        assert existing is not None  # the conflict proves it exists
        return existing
