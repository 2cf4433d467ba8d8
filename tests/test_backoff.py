"""The one backoff every retry loop uses."""

from __future__ import annotations

from habla.backoff import backoff_s


def test_doubles_from_the_base_and_stops_at_the_cap():
    assert [backoff_s(n, 0.2, 5.0) for n in range(7)] == [0.2, 0.4, 0.8, 1.6, 3.2, 5.0, 5.0]


def test_jitter_stays_within_the_plain_wait():
    waits = [backoff_s(3, 0.25, 10.0, jitter=True) for _ in range(200)]
    assert all(0 <= wait <= 2.0 for wait in waits) and len(set(waits)) > 1
