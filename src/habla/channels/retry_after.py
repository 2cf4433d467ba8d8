"""The one reading of an HTTP ``Retry-After`` header, for every provider that sends one (RFC 9110 §10.2.3)."""

from __future__ import annotations

import email.utils
import time
from collections.abc import Mapping

MAX_WAIT_S = 3600.0  # a provider asking for more than an hour is treated as "an hour"


def retry_after_s(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """Seconds to wait from delta-seconds or an HTTP date, within [0, an hour]; None when absent or unreadable."""
    value = (headers.get("retry-after") or "").strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        seconds = when.timestamp() - (time.time() if now is None else now)
    if seconds != seconds:  # NaN
        return None
    return min(max(seconds, 0.0), MAX_WAIT_S)
