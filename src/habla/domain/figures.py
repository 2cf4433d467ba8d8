"""The operator's figures (pure data): what the dashboard and /metrics show.

Windows: "now" and "speed" cover the last 24 hours in hourly buckets; cost covers the last 30 days.
storage/operator_figures.py fills them from the tables; percentiles are nearest rank, taken in Python so
SQLite and Postgres agree.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field


HOUR = 3600.0
DAY = 24 * HOUR
COST_WINDOW_S = 30 * DAY
LEARNER_LIST_LIMIT = 200
STAGES = ("reply", "llm.fast", "llm.smart", "voice")  # webhook → reply handed over; LLM per tier; note → transcript
STAGE_LABELS = {
    "reply": "webhook → reply handed to the channel",
    "llm.fast": "LLM, fast tier",
    "llm.smart": "LLM, smart tier",
    "voice": "voice note → transcript",
}


@dataclass
class Percentiles:
    count: int = 0
    p50_ms: float | None = None
    p95_ms: float | None = None


@dataclass
class TierCost:
    tier: str
    calls: int
    failed: int
    tokens_in: int
    tokens_out: int
    cost: float


@dataclass
class LearnerLine:
    learner_id: str  # the real id: only for the actions' forms, never shown
    hashed_id: str
    channel: str
    level: str
    messages: int
    last_seen: float | None
    plan: str
    blocked: bool


@dataclass
class Figures:
    at: float
    hours: list[float]  # the 24 hourly buckets' start times, oldest first
    active_today: int = 0
    active_week: int = 0
    learners_total: int = 0
    messages_per_hour: list[int] = field(default_factory=list)
    in_flight: int = 0
    dead_letters: int = 0
    stages: dict[str, Percentiles] = field(default_factory=dict)
    stage_p50_per_hour: dict[str, list[float | None]] = field(default_factory=dict)
    stage_p95_per_hour: dict[str, list[float | None]] = field(default_factory=dict)
    tiers: list[TierCost] = field(default_factory=list)
    fast_share: float | None = None  # share of model-written turns written by the fast tier
    sent_per_learner_day: dict[str, float] = field(default_factory=dict)  # channel -> messages per learner-day
    plans: dict[str, int] = field(default_factory=dict)
    learners: list[LearnerLine] = field(default_factory=list)

    @property
    def paid_share(self) -> float | None:
        total = sum(self.plans.values())
        return (total - self.plans.get("free", 0)) / total if total else None


def percentile(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0–100) of unsorted values; None for none."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def hourly_buckets(now: float) -> list[float]:
    """The start times of the 24 hourly buckets ending with the current hour, oldest first."""
    first_hour = (math.floor(now / HOUR) - 23) * HOUR
    return [first_hour + i * HOUR for i in range(24)]


def bucket_of(figures: Figures, at: float) -> int:
    return min(23, max(0, int((at - figures.hours[0]) // HOUR)))
