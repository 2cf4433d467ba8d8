"""The real `stripe` library against the loopback emulator, through Habla's adapter (billing.stripe_api)."""

from __future__ import annotations

import pytest

from habla.billing.stripe_api import StripeLibraryAPI, period_end
from habla.config import StripeSettings
from habla.errors import PaymentProviderError
from habla_testkit.emulators.stripe import API_KEY


def api_for(emulator, key: str = API_KEY) -> StripeLibraryAPI:
    return StripeLibraryAPI(StripeSettings(api_key=key, api_base=emulator.url, timeout_s=5))


async def test_the_library_reads_sessions_and_finds_them_by_payment_or_subscription(stripe_emulator):
    api = api_for(stripe_emulator)
    try:
        paid = stripe_emulator.checkout_session("learner-1")
        sub = stripe_emulator.checkout_session("learner-2", mode="subscription")
        assert (await api.checkout_session(paid["id"]))["client_reference_id"] == "learner-1"
        assert (await api.checkout_session_for(payment_intent=paid["payment_intent"]))["id"] == paid["id"]
        assert (await api.checkout_session_for(subscription=sub["subscription"]))["id"] == sub["id"]
        assert await api.checkout_session_for(payment_intent="pi_unknown") is None
        assert (await api.subscription(sub["subscription"]))["status"] == "active"
    finally:
        await api.aclose()
    [request] = [r for r in stripe_emulator.calls("GET", "/v1/checkout/sessions") if "payment_intent" in r["query"]][:1]
    assert request["query"] == {"payment_intent": paid["payment_intent"], "limit": "1"}


async def test_cancel_at_period_end_and_portal_go_form_encoded(stripe_emulator):
    api = api_for(stripe_emulator)
    session = stripe_emulator.checkout_session("learner-3", mode="subscription")
    try:
        updated = await api.cancel_at_period_end(session["subscription"])
        url = await api.portal_url(session["customer"], "https://habla.example/back")
    finally:
        await api.aclose()
    assert updated["cancel_at_period_end"] is True and period_end(updated) == updated["cancel_at"]
    [update] = stripe_emulator.calls("POST", f"/v1/subscriptions/{session['subscription']}")
    assert update["form"] == {"cancel_at_period_end": "true"}
    [portal] = stripe_emulator.calls("POST", "/v1/billing_portal/sessions")
    assert portal["form"] == {"customer": session["customer"], "return_url": "https://habla.example/back"}
    assert url.startswith("https://billing.stripe.com/p/session/")


async def test_stripe_errors_become_habla_errors(stripe_emulator):
    wrong_key = api_for(stripe_emulator, key="sk_test_wrong")
    api = api_for(stripe_emulator)
    try:
        with pytest.raises(PaymentProviderError, match="401"):
            await wrong_key.checkout_session("cs_test_x")
        with pytest.raises(PaymentProviderError, match="404"):
            await api.checkout_session("cs_test_missing")
        stripe_emulator.fail_next(3, 500)  # the library retries twice; the third failure is ours to handle
        with pytest.raises(PaymentProviderError):
            await api.subscription("sub_whatever")
    finally:
        await wrong_key.aclose()
        await api.aclose()


def test_period_end_reads_old_and_new_api_shapes():
    assert period_end({"cancel_at": 200, "current_period_end": 100}) == 200
    assert period_end({"current_period_end": 100}) == 100
    assert period_end({"items": {"data": [{"current_period_end": 300}, {"current_period_end": 310}]}}) == 310
    assert period_end({}) is None
