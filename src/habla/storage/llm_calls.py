"""The llm_calls table: every model attempt the router made (the router's CallRecorder; cost accounting)."""

from __future__ import annotations

import time

from sqlalchemy import select

from habla.domain.chat import CallRecord
from habla.storage.access import TableAccess
from habla.storage.models import LLMCallRow


class LLMCallTable(TableAccess):
    async def record(self, call: CallRecord) -> None:
        async with self.writing() as session:
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
        async with self.reading() as session:
            query = select(LLMCallRow).order_by(LLMCallRow.id)
            if learner_id:
                query = query.where(LLMCallRow.learner_id == learner_id)
            return list((await session.execute(query)).scalars())
