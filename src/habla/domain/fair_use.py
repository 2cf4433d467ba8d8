"""Quota and flood maths: which counter a message is charged to, what a count means, and the token bucket.

Pure: the caller passes the time (so tests move a clock across a timezone's midnight) and stores the state.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

FREE_PERIOD = "free"  # the free quota is for life, not per day


def zone(name: str | None, default: str = "UTC") -> ZoneInfo:
    """The learner's IANA timezone; the default for a missing or unknown name (profiles come from an LLM)."""
    for candidate in (name, default, "UTC"):
        if not candidate:
            continue
        try:
            return ZoneInfo(candidate)
        except (ZoneInfoNotFoundError, ValueError):
            continue
    return ZoneInfo("UTC")


def local_day(now: float, tz: ZoneInfo) -> dt.date:
    return dt.datetime.fromtimestamp(now, tz).date()


def period_for(paid: bool, now: float, tz: ZoneInfo) -> str:
    """The counter a message is charged to: the lifetime free quota, or the paid learner's local day."""
    return f"day:{local_day(now, tz).isoformat()}" if paid else FREE_PERIOD


def next_local_midnight(now: float, tz: ZoneInfo) -> float:
    """When the learner's day ends (their daily counter starts again), as a timestamp; DST-safe."""
    tomorrow = local_day(now, tz) + dt.timedelta(days=1)
    return dt.datetime(tomorrow.year, tomorrow.month, tomorrow.day, tzinfo=tz).timestamp()


class Verdict(StrEnum):
    SERVE = "serve"  # within the quota: the tutor answers
    LIMIT_REACHED = "limit_reached"  # the first message past the quota: the full explanation
    REMINDER = "reminder"  # every later one: a short reminder, nothing else


def verdict(position: int, limit: int) -> Verdict:
    """``position``: this message's place in its counter (1-based), taken atomically by the store."""
    if position <= limit:
        return Verdict.SERVE
    return Verdict.LIMIT_REACHED if position == limit + 1 else Verdict.REMINDER


@dataclass(frozen=True)
class Bucket:
    """A token bucket kept as one number (GCRA): the time at which the bucket will be full again.

    ``warned``: the learner has been told to slow down since their last accepted message, so further drops
    are silent until the bucket lets one through.
    """

    full_at: float = 0.0
    warned: bool = False


class Flood(StrEnum):
    PASS = "pass"
    SLOW_DOWN = "slow_down"  # the first message over the budget: answered once
    DROP = "drop"  # every later one until the bucket refills: dropped silently


def take(bucket: Bucket, now: float, burst: int, per_second: float) -> tuple[Flood, Bucket]:
    """One message against a bucket of ``burst`` tokens refilled at ``per_second``."""
    interval = 1.0 / per_second
    full_at = max(bucket.full_at, now)
    if full_at + interval - now <= burst * interval + 1e-9:  # a token is free: spend it
        return Flood.PASS, Bucket(full_at + interval, False)
    if bucket.warned:
        return Flood.DROP, bucket
    return Flood.SLOW_DOWN, Bucket(bucket.full_at, True)


_PHONE_PREFIXES = ("whatsapp:", "tel:", "sms:")


def normalise_address(address: str) -> str:
    """One spelling per learner address, so ``habla admin block +34 600 00 00 00`` matches WhatsApp's
    ``34600000000`` and Twilio's ``whatsapp:+34600000000``. Non-phone addresses (console names) are kept."""
    value = address.strip().lower()
    for prefix in _PHONE_PREFIXES:
        if value.startswith(prefix):
            value = value[len(prefix):]
    compact = re.sub(r"[\s().\-]", "", value)
    if re.fullmatch(r"\+?\d{5,20}", compact):
        return compact.lstrip("+")
    return value


_REFERENCE = re.compile(r"[A-Za-z0-9_-]{1,200}")


def payment_url(link: str, reference: str) -> str:
    """The Payment Link with ``client_reference_id`` (Stripe allows letters, digits, ``-`` and ``_``)."""
    if not _REFERENCE.fullmatch(reference):
        raise ValueError("a client reference is letters, digits, '-' and '_' (at most 200)")
    return f"{link}{'&' if '?' in link else '?'}client_reference_id={reference}"
