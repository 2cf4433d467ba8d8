"""Streaks counted in the learner's own days, and week-on-week trends of corrections."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from habla.domain.progress import Trend, streak, trends

DAY = 24 * 3600
TOKYO = ZoneInfo("Asia/Tokyo")


def _at(day: int, hour: int, zone=TOKYO) -> float:
    return datetime(2026, 3, day, hour, tzinfo=zone).timestamp()


def test_consecutive_local_days_make_the_streak():
    turns = [_at(10, 9), _at(11, 23), _at(12, 7), _at(12, 8)]
    assert streak(turns, "Asia/Tokyo", now=_at(12, 20)) == 3
    assert streak(turns, "Asia/Tokyo", now=_at(13, 10)) == 3  # today not practised yet: not broken
    assert streak(turns, "Asia/Tokyo", now=_at(14, 10)) == 0  # a whole day missed
    assert streak([], "Asia/Tokyo", now=_at(14, 10)) == 0


def test_the_day_boundary_is_the_learners_not_utc():
    # 23:30 and 00:30 Tokyo time are two days there, one day (the 10th, 14:30 and 15:30) in UTC
    turns = [_at(10, 23) + 1800, _at(11, 0) + 1800]
    assert streak(turns, "Asia/Tokyo", now=_at(11, 12)) == 2
    assert streak(turns, "UTC", now=_at(11, 12)) == 1
    assert streak(turns, "Not/AZone", now=_at(11, 12)) == 1  # an unknown zone reads as UTC


def test_trends_compare_the_last_week_with_the_one_before():
    now = _at(20, 12)
    corrections = [("article", now - 1 * DAY), ("article", now - 9 * DAY), ("article", now - 10 * DAY),
                   ("ser_estar", now - 2 * DAY), ("ser_estar", now - 3 * DAY), ("spelling", now - 30 * DAY)]
    found = trends(corrections, now)
    assert found == [Trend("ser_estar", 0, 2), Trend("article", 2, 1)]
    assert [t.direction for t in found] == ["up", "down"]
    assert Trend("x", 1, 1).direction == "flat"
