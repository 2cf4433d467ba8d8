"""The one place that turns domain objects into rows and back."""

from __future__ import annotations

import time
import uuid
from typing import Any, Callable

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from habla.domain.learner import Learner, Profile, Turn
from habla.errors import StorageError
from habla.llm.base import CallRecord
from habla.storage.models import DeliveryRow, InboundSeenRow, LearnerRow, LLMCallRow, TurnRow


class Store:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)
        self._insert = pg_insert if engine.dialect.name == "postgresql" else sqlite_insert

    async def aclose(self) -> None:
        await self.engine.dispose()

    async def _insert_ignore(self, table, values: dict) -> bool:
        """Insert unless the key exists; True when this call inserted it (safe across processes)."""
        statement = self._insert(table).values(**values).on_conflict_do_nothing()
        try:
            async with self._sessions.begin() as session:
                result = await session.execute(statement)
        except (OperationalError, DBAPIError) as exc:
            raise StorageError(f"database refused an insert into {table.__tablename__}") from exc
        return result.rowcount == 1

    # learners

    async def learner(self, channel: str, address: str, default_profile: Profile | None = None) -> Learner:
        """The learner behind an address, created on first contact with ``default_profile``."""
        existing = await self._find_learner(channel, address)
        if existing is not None:  # the common case: one read, no write transaction
            return existing
        await self._insert_ignore(
            LearnerRow.__table__,
            {
                "id": uuid.uuid4().hex,
                "channel": channel,
                "address": address,
                "profile": (default_profile or Profile()).model_dump(),
                "created_at": time.time(),
            },
        )
        created = await self._find_learner(channel, address)
        assert created is not None  # inserted just now, or by a concurrent first contact
        return created

    async def _find_learner(self, channel: str, address: str) -> Learner | None:
        async with self._sessions() as session:
            row = (
                await session.execute(select(LearnerRow).where(LearnerRow.channel == channel, LearnerRow.address == address))
            ).scalar_one_or_none()
        if row is None:
            return None
        return Learner(id=row.id, channel=row.channel, address=row.address, profile=Profile.model_validate(row.profile))

    async def touch_learner(self, learner_id: str, at: float) -> None:
        async with self._sessions.begin() as session:
            row = await session.get(LearnerRow, learner_id)
            # Only forward: a late redelivery of an older message must not shrink the 24-hour window.
            if row is not None and (row.last_inbound_at is None or at > row.last_inbound_at):
                row.last_inbound_at = at

    async def last_inbound_at(self, channel: str, address: str) -> float | None:
        """When the learner last wrote to us (the 24-hour window counts from it); None if never."""
        async with self._sessions() as session:
            return (
                await session.execute(
                    select(LearnerRow.last_inbound_at).where(LearnerRow.channel == channel, LearnerRow.address == address)
                )
            ).scalar_one_or_none()

    async def idle_learners(self, idle_since: float, not_before: float, limit: int = 500) -> list[tuple[str, float]]:
        """(learner id, last inbound time) of learners silent since ``idle_since`` who wrote after ``not_before``."""
        async with self._sessions() as session:
            rows = await session.execute(
                select(LearnerRow.id, LearnerRow.last_inbound_at)
                .where(LearnerRow.last_inbound_at <= idle_since, LearnerRow.last_inbound_at > not_before)
                .order_by(LearnerRow.last_inbound_at)
                .limit(limit)
            )
            return [(learner_id, float(at)) for learner_id, at in rows]

    async def update_profile_key(self, learner_id: str, key: str, change: Callable[[Any], Any]) -> Any:
        """Read, change and write one top-level key of the profile JSON in one transaction (row-locked on
        Postgres, like the memory agent's profile updates), leaving every other key as it is. Returns the new value."""
        async with self._sessions.begin() as session:
            query = select(LearnerRow).where(LearnerRow.id == learner_id)
            if self.engine.dialect.name == "postgresql":
                query = query.with_for_update()
            row = (await session.execute(query)).scalar_one_or_none()
            if row is None:
                return None
            value = change((row.profile or {}).get(key))
            row.profile = {**(row.profile or {}), key: value}
            return value

    # inbound dedupe

    async def claim_inbound(self, channel: str, message_id: str, claimant: str | None = None) -> bool:
        """True the first time a provider message id is seen, in any process; also True again for the same
        ``claimant`` (the same bus message redelivered after a crash), False for anyone else."""
        inserted = await self._insert_ignore(
            InboundSeenRow.__table__,
            {"channel": channel, "message_id": message_id, "seen_at": time.time(), "claimed_by": claimant},
        )
        if inserted or claimant is None:
            return inserted
        async with self._sessions() as session:
            row = await session.get(InboundSeenRow, (channel, message_id))
        return row is not None and row.claimed_by == claimant


    # turns

    async def turn_for(self, inbound_key: str) -> Turn | None:
        async with self._sessions() as session:
            row = (await session.execute(select(TurnRow).where(TurnRow.inbound_key == inbound_key))).scalar_one_or_none()
        return _turn(row) if row else None

    async def recent_turns(self, learner_id: str, limit: int) -> list[Turn]:
        async with self._sessions() as session:
            rows = (
                await session.execute(
                    select(TurnRow)
                    .where(TurnRow.learner_id == learner_id)
                    .order_by(TurnRow.created_at.desc())
                    .limit(limit)
                )
            ).scalars()
            return [_turn(row) for row in reversed(list(rows))]

    async def save_turn(self, turn: Turn) -> Turn:
        """Store a turn; if another delivery of the same message got there first, return that one."""
        inserted = await self._insert_ignore(
            TurnRow.__table__,
            {
                "id": turn.id,
                "learner_id": turn.learner_id,
                "inbound_key": turn.inbound_key,
                "user_text": turn.user_text,
                "reply_text": turn.reply_text,
                "tier": turn.tier,
                "created_at": turn.created_at or time.time(),
            },
        )
        if inserted:
            return turn
        existing = await self.turn_for(turn.inbound_key)
        assert existing is not None  # the conflict proves it exists
        return existing

    # deliveries

    async def delivered_chunks(self, outbound_id: str) -> set[int]:
        async with self._sessions() as session:
            rows = await session.execute(select(DeliveryRow.chunk_index).where(DeliveryRow.outbound_id == outbound_id))
            return set(rows.scalars())

    async def record_delivery(self, outbound_id: str, chunk_index: int, learner_key: str) -> None:
        await self._insert_ignore(
            DeliveryRow.__table__,
            {"outbound_id": outbound_id, "chunk_index": chunk_index, "learner_key": learner_key, "sent_at": time.time()},
        )

    # LLM accounting (the router's CallRecorder)

    async def record(self, call: CallRecord) -> None:
        async with self._sessions.begin() as session:
            session.add(
                LLMCallRow(
                    learner_id=call.learner_id,
                    tier=call.tier,
                    provider=call.provider,
                    model=call.model,
                    ok=call.ok,
                    tokens_in=call.tokens_in,
                    tokens_out=call.tokens_out,
                    latency_ms=call.latency_ms,
                    error=(call.error or None) and call.error[:255],
                    created_at=time.time(),
                )
            )

    async def llm_calls(self, learner_id: str | None = None) -> list[LLMCallRow]:
        async with self._sessions() as session:
            query = select(LLMCallRow).order_by(LLMCallRow.id)
            if learner_id:
                query = query.where(LLMCallRow.learner_id == learner_id)
            return list((await session.execute(query)).scalars())


def _turn(row: TurnRow) -> Turn:
    return Turn(
        id=row.id,
        learner_id=row.learner_id,
        inbound_key=row.inbound_key,
        user_text=row.user_text,
        reply_text=row.reply_text,
        tier=row.tier,
        created_at=row.created_at,
    )
