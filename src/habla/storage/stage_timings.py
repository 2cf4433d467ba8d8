"""The stage_timings table: how long a stage took ("reply": webhook → first chunk handed to the channel;
"voice": note received → transcript), for the operator's speed figures."""

from __future__ import annotations

import time

from habla.storage.access import TableAccess
from habla.storage.models import StageTimingRow


class StageTimingTable(TableAccess):
    async def record_stage(self, stage: str, latency_ms: float, learner_id: str | None = None) -> None:
        async with self.writing() as session:
            session.add(StageTimingRow(stage=stage, learner_id=learner_id, latency_ms=latency_ms, created_at=time.time()))
