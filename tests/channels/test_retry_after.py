"""One Retry-After reading for every provider: delta-seconds and HTTP dates, bounded."""

from __future__ import annotations

import email.utils
import time

import httpx

from habla.channels.retry_after import retry_after_s
from habla.channels.whatsapp.graph_api import graph_error
from habla.errors import ChannelRateLimited

NOW = 1_800_000_000.0


def test_delta_seconds_and_http_dates_within_an_hour():
    later = email.utils.formatdate(NOW + 30, usegmt=True)
    assert retry_after_s({"retry-after": later}, now=NOW) == 30.0
    assert retry_after_s({"retry-after": "12"}) == 12.0
    assert retry_after_s({"retry-after": "99999"}) == 3600.0
    assert retry_after_s({"retry-after": "-5"}) == 0.0
    assert retry_after_s({"retry-after": email.utils.formatdate(NOW - 30, usegmt=True)}, now=NOW) == 0.0


def test_absent_or_unreadable_is_none():
    assert retry_after_s({}) is None
    assert retry_after_s({"retry-after": "soon"}) is None
    assert retry_after_s({"retry-after": "nan"}) is None


def test_graph_honours_an_http_date_retry_after():
    """Graph's own parser used to read delta-seconds only: a date fell back to the default wait."""
    later = email.utils.formatdate(time.time() + 120, usegmt=True)
    response = httpx.Response(429, headers={"retry-after": later}, json={"error": {"code": 130429, "message": "rate"}})
    error = graph_error(response, 0.5)
    assert isinstance(error, ChannelRateLimited) and 100 < error.retry_after_s <= 120
