"""The learners table: who a learner is, their profile document, and when they last wrote."""

from __future__ import annotations

import time
import uuid
from typing import Any, Callable

from sqlalchemy import or_, select, update

from habla.domain.learner import Learner, Profile
from habla.storage.access import TableAccess
from habla.storage.models import LearnerRow


def _learner(row: LearnerRow) -> Learner:
    return Learner(id=row.id, channel=row.channel, address=row.address, profile=Profile.model_validate(row.profile))


class LearnerTable(TableAccess):
    async def learner(self, channel: str, address: str, default_profile: Profile | None = None) -> Learner:
        """The learner behind an address, created on first contact with ``default_profile``."""
        existing = await self.find_learner(channel, address)
        if existing is not None:  # the common case: one read, no write transaction
            return existing
        await self.insert_ignore(
            LearnerRow.__table__,
            {
                "id": uuid.uuid4().hex,
                "channel": channel,
                "address": address,
                "profile": (default_profile or Profile()).model_dump(),
                "created_at": time.time(),
            },
        )
        created = await self.find_learner(channel, address)
        assert created is not None  # inserted just now, or by a concurrent first contact
        return created

    async def find_learner(self, channel: str, address: str) -> Learner | None:
        async with self.reading() as session:
            row = (
                await session.execute(select(LearnerRow).where(LearnerRow.channel == channel, LearnerRow.address == address))
            ).scalar_one_or_none()
        return _learner(row) if row is not None else None

    async def learners_by_ids(self, learner_ids: list[str]) -> dict[str, tuple[Learner, float | None]]:
        """Each learner of ``learner_ids`` that exists, with their last inbound time, in one query: a
        scheduler batch reads its hundred learners at once, not one round trip each."""
        if not learner_ids:
            return {}
        async with self.reading() as session:
            rows = (await session.execute(select(LearnerRow).where(LearnerRow.id.in_(learner_ids)))).scalars().all()
        return {row.id: (_learner(row), row.last_inbound_at) for row in rows}

    async def learner_by_id(self, learner_id: str) -> Learner | None:
        async with self.reading() as session:
            row = await session.get(LearnerRow, learner_id)
        return _learner(row) if row is not None else None

    async def touch_learner(self, learner_id: str, at: float) -> None:
        async with self.writing() as session:
            row = await session.get(LearnerRow, learner_id)
            # Only forward: a late redelivery of an older message must not shrink the 24-hour window.
            if row is not None and (row.last_inbound_at is None or at > row.last_inbound_at):
                row.last_inbound_at = at

    async def last_inbound_at(self, channel: str, address: str) -> float | None:
        """When the learner last wrote to us (the 24-hour window counts from it); None if never."""
        async with self.reading() as session:
            return (
                await session.execute(
                    select(LearnerRow.last_inbound_at).where(LearnerRow.channel == channel, LearnerRow.address == address)
                )
            ).scalar_one_or_none()

    async def idle_learners(self, idle_since: float, not_before: float, limit: int = 500) -> list[tuple[str, float]]:
        """(learner id, last inbound time) of learners silent since ``idle_since`` who wrote after ``not_before``."""
        async with self.reading() as session:
            rows = await session.execute(
                select(LearnerRow.id, LearnerRow.last_inbound_at)
                .where(LearnerRow.last_inbound_at <= idle_since, LearnerRow.last_inbound_at > not_before)
                .order_by(LearnerRow.last_inbound_at)
                .limit(limit)
            )
            return [(learner_id, float(at)) for learner_id, at in rows]

    async def unsummarised_sessions(self, ended_before: float, ended_after: float, limit: int = 500) -> list[tuple[str, float]]:
        """(learner id, last inbound time) of learners whose last message falls in (ended_after, ended_before]
        and whose window has not been summarised for that message yet, oldest first; read by the
        ix_learners_last_inbound_at range, so a round costs the learners in the range, not all of them."""
        async with self.reading() as session:
            rows = await session.execute(
                select(LearnerRow.id, LearnerRow.last_inbound_at)
                .where(LearnerRow.last_inbound_at <= ended_before, LearnerRow.last_inbound_at > ended_after,
                       or_(LearnerRow.summarised_inbound_at.is_(None),
                           LearnerRow.summarised_inbound_at < LearnerRow.last_inbound_at))
                .order_by(LearnerRow.last_inbound_at)
                .limit(limit)
            )
            return [(learner_id, float(at)) for learner_id, at in rows]

    async def mark_summarised(self, learner_id: str, last_inbound_at: float) -> bool:
        """The summary's claim, a compare-and-set: True for the one caller that recorded ``last_inbound_at``
        as summarised (a row already marked for it, or for a later message, matches nothing)."""
        statement = (update(LearnerRow)
                     .where(LearnerRow.id == learner_id,
                            or_(LearnerRow.summarised_inbound_at.is_(None),
                                LearnerRow.summarised_inbound_at < last_inbound_at))
                     .values(summarised_inbound_at=last_inbound_at))
        async with self.writing() as session:
            return (await session.execute(statement)).rowcount == 1

    async def _change_profile_document(self, learner_id: str, change: Callable[[dict], dict | None]) -> dict | None:
        """Read, change and write the profile JSON in one row-locked transaction; None if no learner.

        ``change`` gets the freshest document and returns the new one, or None to leave it as it is.
        """
        async with self.writing() as session:
            row = (await session.execute(self.for_update(select(LearnerRow).where(LearnerRow.id == learner_id)))).scalar_one_or_none()
            if row is None:
                return None
            changed = change(dict(row.profile or {}))
            if changed is not None:
                row.profile = changed
            return row.profile

    async def update_profile(self, learner_id: str, change: Callable[[Profile], Profile | None]) -> Profile | None:
        """The whole profile, changed in one transaction (the memory agent's updates); None if no learner."""

        def whole(document: dict) -> dict | None:
            changed = change(Profile.model_validate(document))
            return changed.model_dump(mode="json") if changed is not None else None

        document = await self._change_profile_document(learner_id, whole)
        return Profile.model_validate(document) if document is not None else None

    async def set_profile_keys(self, learner_id: str, values: dict[str, Callable[[Any], Any]]) -> None:
        """Several top-level keys of the profile, each changed from its old value, in one transaction."""
        def keys(document: dict) -> dict:
            return {**document, **{key: change(document.get(key)) for key, change in values.items()}}

        await self._change_profile_document(learner_id, keys)

    async def update_profile_key(self, learner_id: str, key: str, change: Callable[[Any], Any]) -> Any:
        """One top-level key of the profile, changed in one transaction, every other key left as it is.
        Returns the new value (None if no learner)."""
        result: dict[str, Any] = {}

        def one_key(document: dict) -> dict:
            result["value"] = change(document.get(key))
            return {**document, key: result["value"]}

        await self._change_profile_document(learner_id, one_key)
        return result.get("value")
