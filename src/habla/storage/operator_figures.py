"""The operator's figures from the tables: learners, turns, deliveries, llm_calls, stage_timings.

Bounded queries over indexed time columns (the last 24 h, 7 or 30 days); the rows are bucketed and their
percentiles taken in Python (habla.domain.figures), so SQLite and Postgres give the same numbers.
"""

from __future__ import annotations

import math
import time
from collections import Counter, defaultdict

from sqlalchemy import and_, case, exists, func, select

from habla.domain.figures import (
    COST_WINDOW_S, DAY, LEARNER_LIST_LIMIT, STAGES, Figures, LearnerLine, Percentiles, TierCost, bucket_of,
    hourly_buckets, percentile,
)
from habla.domain.learner import BLOCKED_KEY
from habla.domain.messages import hashed
from habla.storage.access import TableAccess
from habla.storage.models import DeliveryRow, LearnerRow, LLMCallRow, StageTimingRow, TurnRow


class OperatorFigures(TableAccess):
    async def operator_figures(self, llm_settings, now: float | None = None) -> Figures:
        """Everything but the dead letters (the bus's), at ``now``; prices come from the LLM tier settings."""
        now = time.time() if now is None else now
        figures = Figures(at=now, hours=hourly_buckets(now))
        async with self.connection() as conn:
            await _now(conn, figures, now)
            await _speed(conn, figures)
            await _cost(conn, figures, now, llm_settings)
            await _learners(conn, figures)
        return figures


async def _now(conn, figures: Figures, now: float) -> None:
    midnight = math.floor(now / DAY) * DAY  # UTC
    active = lambda since: select(func.count()).select_from(LearnerRow).where(LearnerRow.last_inbound_at >= since)  # noqa: E731
    figures.active_today = (await conn.execute(active(midnight))).scalar_one()
    figures.active_week = (await conn.execute(active(now - 7 * DAY))).scalar_one()
    figures.learners_total = (await conn.execute(select(func.count()).select_from(LearnerRow))).scalar_one()
    counts = [0] * 24
    for (created_at,) in await conn.execute(select(TurnRow.created_at).where(TurnRow.created_at >= figures.hours[0])):
        counts[bucket_of(figures, created_at)] += 1
    figures.messages_per_hour = counts
    # a reply is in flight from the moment its turn is stored until its first chunk is handed to the channel
    # (the outbound id of a reply is its turn id)
    unsent = ~exists().where(DeliveryRow.outbound_id == TurnRow.id)
    query = select(func.count()).select_from(TurnRow).where(and_(TurnRow.created_at >= now - DAY, unsent))
    figures.in_flight = (await conn.execute(query)).scalar_one()


async def _speed(conn, figures: Figures) -> None:
    first_hour = figures.hours[0]
    samples: dict[str, list[tuple[float, float]]] = defaultdict(list)
    rows = await conn.execute(
        select(StageTimingRow.stage, StageTimingRow.created_at, StageTimingRow.latency_ms).where(StageTimingRow.created_at >= first_hour)
    )
    for stage, created_at, latency in rows:
        samples[stage].append((created_at, latency))
    rows = await conn.execute(
        select(LLMCallRow.tier, LLMCallRow.created_at, LLMCallRow.latency_ms)
        .where(and_(LLMCallRow.created_at >= first_hour, LLMCallRow.ok.is_(True)))
    )
    for tier, created_at, latency in rows:
        samples[f"llm.{tier}"].append((created_at, latency))
    for stage in STAGES:
        values = [latency for _, latency in samples[stage]]
        figures.stages[stage] = Percentiles(len(values), percentile(values, 50), percentile(values, 95))
        hourly: list[list[float]] = [[] for _ in range(24)]
        for created_at, latency in samples[stage]:
            hourly[bucket_of(figures, created_at)].append(latency)
        figures.stage_p50_per_hour[stage] = [percentile(values, 50) for values in hourly]
        figures.stage_p95_per_hour[stage] = [percentile(values, 95) for values in hourly]


async def _cost(conn, figures: Figures, now: float, llm_settings) -> None:
    since = now - COST_WINDOW_S
    rows = await conn.execute(
        select(
            LLMCallRow.tier, func.count(), func.sum(case((LLMCallRow.ok.is_(False), 1), else_=0)),
            func.coalesce(func.sum(LLMCallRow.tokens_in), 0), func.coalesce(func.sum(LLMCallRow.tokens_out), 0),
        ).where(LLMCallRow.created_at >= since).group_by(LLMCallRow.tier).order_by(LLMCallRow.tier)
    )
    for tier, calls, failed, tokens_in, tokens_out in rows:
        prices = getattr(llm_settings, tier, None)
        cost = 0.0
        if prices is not None:
            cost = (tokens_in * prices.price_in_per_mtok + tokens_out * prices.price_out_per_mtok) / 1e6
        figures.tiers.append(TierCost(tier, calls, int(failed or 0), int(tokens_in), int(tokens_out), cost))
    rows = await conn.execute(
        select(TurnRow.tier, func.count()).where(and_(TurnRow.created_at >= since, TurnRow.tier.is_not(None))).group_by(TurnRow.tier)
    )
    by_tier = dict(rows.all())
    written = sum(by_tier.values())
    figures.fast_share = by_tier.get("fast", 0) / written if written else None
    # messages handed to each channel per learner and UTC day, over the last 7 days (Meta bills per message)
    sent: Counter[tuple[str, str, int]] = Counter()
    for learner_key, sent_at in await conn.execute(
        select(DeliveryRow.learner_key, DeliveryRow.sent_at).where(DeliveryRow.sent_at >= now - 7 * DAY)
    ):
        sent[(learner_key.split(":", 1)[0], learner_key, int(sent_at // DAY))] += 1
    per_channel: dict[str, list[int]] = defaultdict(list)
    for (channel, _, _), count in sent.items():
        per_channel[channel].append(count)
    figures.sent_per_learner_day = {channel: sum(c) / len(c) for channel, c in sorted(per_channel.items())}


async def _learners(conn, figures: Figures) -> None:
    plan = LearnerRow.profile["payment_status"].as_string()
    plans: Counter[str] = Counter()
    for name, count in await conn.execute(select(plan, func.count()).group_by(plan)):
        plans[name or "free"] += count
    figures.plans = dict(sorted(plans.items()))
    rows = (await conn.execute(
        select(LearnerRow.id, LearnerRow.channel, LearnerRow.profile, LearnerRow.last_inbound_at)
        .order_by(LearnerRow.last_inbound_at.desc().nulls_last(), LearnerRow.id)
        .limit(LEARNER_LIST_LIMIT)
    )).all()
    # counted for the listed learners only, through the (learner_id, created_at) index
    counts = dict((await conn.execute(
        select(TurnRow.learner_id, func.count()).where(TurnRow.learner_id.in_([row[0] for row in rows])).group_by(TurnRow.learner_id)
    )).all()) if rows else {}
    for learner_id, channel, profile, last_seen in rows:
        count = counts.get(learner_id, 0)
        profile = profile or {}
        figures.learners.append(
            LearnerLine(
                learner_id=learner_id, hashed_id=hashed(learner_id), channel=channel, level=str(profile.get("level", "")),
                messages=int(count or 0), last_seen=last_seen, plan=str(profile.get("payment_status", "free")),
                blocked=bool(profile.get(BLOCKED_KEY)),
            )
        )
