"""Quota and flood maths (pure): periods in the learner's timezone, verdicts, the token bucket, addresses."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, strategies as st

from habla.domain.billing_text import cancel_command
from habla.domain.fair_use import (
    Bucket, Flood, Verdict, next_local_midnight, normalise_address, payment_url, period_for, take, verdict, zone,
)


def test_a_paid_day_is_the_learners_day():
    tokyo, lima = ZoneInfo("Asia/Tokyo"), ZoneInfo("America/Lima")
    instant = dt.datetime(2026, 6, 1, 16, 30, tzinfo=dt.timezone.utc).timestamp()  # 01:30 on the 2nd in Tokyo
    assert period_for(True, instant, tokyo) == "day:2026-06-02"
    assert period_for(True, instant, lima) == "day:2026-06-01"
    assert period_for(False, instant, tokyo) == "free"
    assert next_local_midnight(instant, lima) == dt.datetime(2026, 6, 2, tzinfo=lima).timestamp()


def test_midnight_across_a_dst_change_is_23_hours_away():
    madrid = ZoneInfo("Europe/Madrid")
    start = dt.datetime(2026, 3, 29, 0, 0, 1, tzinfo=madrid).timestamp()  # clocks go forward at 02:00
    assert round((next_local_midnight(start, madrid) - start) / 3600) == 23


def test_unknown_timezones_fall_back():
    assert zone("Mars/Olympus", "Europe/Madrid") == ZoneInfo("Europe/Madrid")
    assert zone(None, "Not/AZone") == ZoneInfo("UTC")


def test_verdicts_at_the_edge():
    assert [verdict(n, 3) for n in (1, 3, 4, 5, 9)] == [
        Verdict.SERVE, Verdict.SERVE, Verdict.LIMIT_REACHED, Verdict.REMINDER, Verdict.REMINDER,
    ]


def test_bucket_burst_then_one_a_second_and_one_warning():
    bucket, now, seen = Bucket(), 1000.0, []
    for _ in range(22):
        flood, bucket = take(bucket, now, burst=20, per_second=1.0)
        seen.append(flood)
    assert seen == [Flood.PASS] * 20 + [Flood.SLOW_DOWN, Flood.DROP]
    assert take(bucket, now + 0.5, 20, 1.0)[0] == Flood.DROP
    flood, bucket = take(bucket, now + 1.0, 20, 1.0)
    assert flood == Flood.PASS and not bucket.warned
    assert take(bucket, now + 1.0, 20, 1.0)[0] == Flood.SLOW_DOWN  # warned again after a pass


@given(st.lists(st.floats(min_value=0, max_value=5), min_size=1, max_size=200))
def test_a_person_typing_one_message_a_second_is_never_throttled(gaps):
    bucket, now = Bucket(), 0.0
    for gap in gaps:
        now += max(gap, 1.0)
        flood, bucket = take(bucket, now, 20, 1.0)
        assert flood == Flood.PASS


@given(st.lists(st.floats(min_value=0, max_value=3), min_size=1, max_size=300))
def test_never_more_than_burst_plus_refill(gaps):
    bucket, now, passed = Bucket(), 0.0, 0
    for gap in gaps:
        now += gap
        flood, bucket = take(bucket, now, 5, 0.5)
        passed += flood == Flood.PASS
    assert passed <= 5 + now * 0.5 + 1e-6


@pytest.mark.parametrize("spelt", ["+34 600 00 00 01", "34600000001", "whatsapp:+34600000001", "+34-600-000-001"])
def test_one_spelling_per_phone_number(spelt):
    assert normalise_address(spelt) == "34600000001"


def test_non_phone_addresses_are_kept_and_payment_urls_carry_only_the_reference():
    assert normalise_address(" Ana ") == "ana"
    assert payment_url("https://buy.stripe.com/x", "abc_1-2") == "https://buy.stripe.com/x?client_reference_id=abc_1-2"
    assert payment_url("https://buy.stripe.com/x?locale=es", "r") == "https://buy.stripe.com/x?locale=es&client_reference_id=r"
    with pytest.raises(ValueError):
        payment_url("https://buy.stripe.com/x", "+34600000001")


def test_cancel_is_a_whole_message_command():
    assert cancel_command("Cancel") == "en" and cancel_command("¡Cancelar!") == "es"
    assert cancel_command("cancelar mi suscripción") == "es"
    assert cancel_command("¿Cómo se dice cancel en español?") is None
