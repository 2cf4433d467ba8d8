"""The next practice slot with a controlled clock: three timezones, across DST changes, the missed-slot rule
and quiet hours."""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from habla.domain import practice_schedule as rules


def utc(*args) -> float:
    return datetime(*args, tzinfo=timezone.utc).timestamp()


def local(instant: float, zone: str) -> str:
    return datetime.fromtimestamp(instant, tz=ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M %Z")


def test_eight_in_the_morning_in_three_timezones():
    now = utc(2026, 6, 1, 12, 0)  # Monday noon UTC
    assert local(rules.next_slot(["08:00"], "Europe/Madrid", now), "Europe/Madrid") == "2026-06-02 08:00 CEST"
    assert local(rules.next_slot(["08:00"], "America/New_York", now), "America/New_York") == "2026-06-02 08:00 EDT"
    assert local(rules.next_slot(["08:00"], "Asia/Tokyo", now), "Asia/Tokyo") == "2026-06-02 08:00 JST"
    # the same wall time is three different instants
    assert len({rules.next_slot(["08:00"], zone, now) for zone in ("Europe/Madrid", "America/New_York", "Asia/Tokyo")}) == 3
    # two times a day: the nearer one; none chosen: no slot
    assert local(rules.next_slot(["19:00", "07:30"], "Europe/Madrid", now), "Europe/Madrid") == "2026-06-01 19:00 CEST"
    assert rules.next_slot([], "Europe/Madrid", now) is None
    assert rules.next_slot(["8 am", "25:00"], "Europe/Madrid", now) is None


def test_the_wall_time_holds_across_a_dst_change():
    zone = "Europe/Madrid"  # clocks go 02:00 → 03:00 on 2026-03-29, 03:00 → 02:00 on 2026-10-25
    before = rules.next_slot(["08:00"], zone, utc(2026, 3, 28, 12, 0))
    after = rules.next_slot(["08:00"], zone, before)
    assert local(before, zone) == "2026-03-29 08:00 CEST" and local(after, zone) == "2026-03-30 08:00 CEST"
    saturday = rules.next_slot(["08:00"], zone, utc(2026, 3, 27, 12, 0))
    assert before - saturday == 23 * 3600  # the short night: 23 hours between two 08:00s
    # a time inside the gap is sent as far past the change; a repeated time only once
    assert local(rules.next_slot(["02:30"], zone, utc(2026, 3, 28, 12, 0)), zone) == "2026-03-29 03:30 CEST"
    first = rules.next_slot(["02:30"], zone, utc(2026, 10, 24, 12, 0))
    assert local(first, zone) == "2026-10-25 02:30 CEST"
    assert local(rules.next_slot(["02:30"], zone, first), zone) == "2026-10-26 02:30 CET"
    # New York changes on another date (2026-03-08)
    ny = rules.next_slot(["07:00"], "America/New_York", utc(2026, 3, 7, 18, 0))
    assert local(ny, "America/New_York") == "2026-03-08 07:00 EDT"


def test_missed_slots_are_sent_late_once_within_two_hours_else_skipped():
    slot = utc(2026, 6, 2, 6, 0)
    assert rules.late_but_sendable(slot, slot + 30 * 60)
    assert not rules.late_but_sendable(slot, slot + 2 * 3600)
    assert rules.signature(["19:00", "08:00", "08:00"], "Europe/Madrid") == "08:00,19:00@Europe/Madrid"


def test_a_snooze_never_lands_in_quiet_hours_but_a_chosen_late_time_is_kept():
    zone = "Europe/Madrid"
    evening = utc(2026, 6, 1, 19, 30)  # 21:30 local
    assert local(rules.snoozed_until(evening, 2, zone), zone) == "2026-06-02 08:00 CEST"
    assert local(rules.snoozed_until(utc(2026, 6, 1, 10, 0), 2, zone), zone) == "2026-06-01 14:00 CEST"
    assert local(rules.next_slot(["23:15"], zone, evening), zone) == "2026-06-01 23:15 CEST"
    assert rules.in_quiet_hours(utc(2026, 6, 1, 21, 15), zone) and not rules.in_quiet_hours(utc(2026, 6, 1, 6, 0), zone)
