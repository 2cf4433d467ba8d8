"""When a learner's practice prompt is due, as rules (no I/O): their chosen local times, in their timezone,
DST-safe with zoneinfo, turned into the next UTC instant.

- A chosen time is a wall-clock time: 08:00 is 08:00 local in winter and in summer. On the night a clock
  springs forward, a time inside the gap (02:30 in Europe/Madrid on the last Sunday of March) is sent at
  the same distance past the change (03:30); on the night it falls back, a time that happens twice is sent
  the first time only (``fold=0``).
- **Missed slots**: a slot found late (the scheduler was down, or a tick ran behind) is still sent once when
  it is less than ``LATE_LIMIT_S`` (2 h) late; later than that it is skipped and the next slot is scheduled.
  Never both, never twice: the slot a prompt was sent for is its idempotency key.
- **Quiet hours** (22:00–08:00 local): a time the learner chose is theirs, even at 23:00; a time the system
  picks ("Later": a snooze) never falls in them and moves to 08:00.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

LATE_LIMIT_S = 2 * 3600.0
QUIET_START = time(22, 0)
QUIET_END = time(8, 0)
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
_SEARCH_DAYS = 3  # every chosen time happens within this many local days (a gap moves it, never skips a day)


def zone_of(name: str | None) -> ZoneInfo | timezone:
    """The learner's zone; UTC when they never said (or the name is unknown to tzdata)."""
    if not name:
        return timezone.utc
    try:
        return ZoneInfo(name)
    except (ValueError, KeyError, OSError):  # ZoneInfoNotFoundError is a KeyError
        return timezone.utc


def parse_times(values: list[str]) -> list[time]:
    """"HH:MM" strings, sorted and deduplicated; anything else is ignored."""
    parsed = set()
    for value in values:
        match = _TIME.match(value.strip())
        if match:
            parsed.add(time(int(match.group(1)), int(match.group(2))))
    return sorted(parsed)


def signature(reminder_times: list[str], timezone_name: str | None) -> str:
    """What a schedule row was computed from: when it differs from the profile, the row is recomputed."""
    return ",".join(t.strftime("%H:%M") for t in parse_times(reminder_times)) + "@" + (timezone_name or "UTC")


def local_instant(day: date, at: time, zone) -> float:
    """UTC epoch seconds of wall time ``at`` on ``day`` in ``zone`` (gap: shifted forward; repeat: the first)."""
    naive = datetime.combine(day, at)
    aware = naive.replace(tzinfo=zone, fold=0)
    # zoneinfo gives a wall time in a spring-forward gap the offset from before the change, which lands the
    # instant that far past the change: 02:30 in a 02:00→03:00 gap is 03:30 local, as documented above
    return aware.timestamp()


def next_slot(reminder_times: list[str], timezone_name: str | None, after: float) -> float | None:
    """The first chosen time strictly after ``after`` (UTC epoch), or None when the learner chose none."""
    times = parse_times(reminder_times)
    if not times:
        return None
    zone = zone_of(timezone_name)
    first_day = datetime.fromtimestamp(after, tz=zone).date() - timedelta(days=1)
    candidates = (
        local_instant(first_day + timedelta(days=offset), at, zone)
        for offset in range(_SEARCH_DAYS + 1) for at in times
    )
    return min(instant for instant in candidates if instant > after)


def late_but_sendable(slot: float, now: float) -> bool:
    """The missed-slot rule: a slot is sent when found less than ``LATE_LIMIT_S`` late, else skipped."""
    return now - slot < LATE_LIMIT_S


def in_quiet_hours(instant: float, timezone_name: str | None) -> bool:
    local = datetime.fromtimestamp(instant, tz=zone_of(timezone_name)).time()
    return local >= QUIET_START or local < QUIET_END


def snoozed_until(now: float, hours: float, timezone_name: str | None) -> float:
    """``hours`` from now, moved out of quiet hours to the next 08:00 local (a time the learner did not pick)."""
    target = now + hours * 3600
    if not in_quiet_hours(target, timezone_name):
        return target
    zone = zone_of(timezone_name)
    local = datetime.fromtimestamp(target, tz=zone)
    day = local.date() if local.time() < QUIET_END else local.date() + timedelta(days=1)
    return local_instant(day, QUIET_END, zone)
