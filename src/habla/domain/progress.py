"""The numbers behind "my progress", computed from what the store holds. Pure: no I/O, times passed in.

- streak: consecutive calendar days, in the learner's timezone, with at least one turn, ending today (or
  yesterday: a streak is not broken before the day is over);
- trends: corrections per category in the last period against the one before it (down is good).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Iterable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

TREND_PERIOD_S = 7 * 24 * 3600  # a week against the week before


def _zone(timezone: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def local_day(at: float, timezone: str | None) -> date:
    return datetime.fromtimestamp(at, _zone(timezone)).date()


def streak(turn_times: Iterable[float], timezone: str | None, now: float) -> int:
    days = {local_day(at, timezone) for at in turn_times}
    day = local_day(now, timezone)
    if day not in days:
        day -= timedelta(days=1)
    count = 0
    while day in days:
        count += 1
        day -= timedelta(days=1)
    return count


@dataclass(frozen=True)
class Trend:
    category: str
    previous: int  # corrections in the period before
    recent: int  # corrections in the last period

    @property
    def direction(self) -> str:
        return "down" if self.recent < self.previous else "up" if self.recent > self.previous else "flat"


def trends(corrections: Iterable[tuple[str, float]], now: float, period_s: float = TREND_PERIOD_S) -> list[Trend]:
    """(category, created_at) pairs → one Trend per category seen in the last two periods, biggest change first."""
    recent: dict[str, int] = {}
    previous: dict[str, int] = {}
    for category, at in corrections:
        age = now - at
        if 0 <= age < period_s:
            recent[category] = recent.get(category, 0) + 1
        elif period_s <= age < 2 * period_s:
            previous[category] = previous.get(category, 0) + 1
    found = [Trend(c, previous.get(c, 0), recent.get(c, 0)) for c in sorted(set(recent) | set(previous))]
    return sorted(found, key=lambda t: (-abs(t.recent - t.previous), t.category))
