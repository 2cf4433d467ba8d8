""""cancel" / "cancelar" by message: a confirmation, then the Stripe API (a subscription at period end) or a
Customer Portal link; a one-time payment or the free plan has nothing to cancel. The emulator records what
the real `stripe` library sent."""

from __future__ import annotations

import datetime as dt

import pytest

from habla_testkit.conversation import Conversation
from tests.billing.conftest import deliver, stripe_webhook

SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
PHONE = "+34600000003"


async def _paid(chat, stripe, stripe_emulator, mode: str) -> dict:
    learner = await chat.services.store.learner("console", PHONE)
    session = stripe_emulator.checkout_session(learner.id, mode=mode)
    assert (await deliver(stripe, "checkout.session.completed", session)).json()["outcome"] == "activated"
    return session


async def _say(chat, text: str, message_id: str) -> str:
    before = len(chat.replies[PHONE])
    await chat.say(PHONE, text, message_id)
    await chat.wait_replies(PHONE, before + 1)
    return chat.replies[PHONE][-1][1][-1]


async def test_cancel_a_subscription_at_period_end_then_stripe_ends_it(billing_settings, stripe_emulator, llm_emulator):
    settings = billing_settings()
    async with Conversation(settings, [PHONE]) as chat, stripe_webhook(settings) as stripe:
        session = await _paid(chat, stripe, stripe_emulator, "subscription")
        assert (await _say(chat, "Cancel", "c1")).startswith("Do you want to cancel your Habla plan?")
        done = await _say(chat, "yes", "c2")
        period_end = stripe_emulator.subscriptions[session["subscription"]]["cancel_at"]
        assert f"until {dt.datetime.fromtimestamp(period_end, dt.timezone.utc).date().isoformat()}" in done
        [update] = stripe_emulator.calls("POST", "/v1/subscriptions/")
        assert update["path"] == f"/v1/subscriptions/{session['subscription']}" and update["form"] == {"cancel_at_period_end": "true"}
        learner = await chat.services.store.learner("console", PHONE)
        assert (await chat.services.fair_use.store.billing_account(learner.id)).paid  # access until the period ends
        assert llm_emulator.requests == []  # commands never reach the model
        ended = stripe_emulator.end_subscription(session["subscription"])
        assert (await deliver(stripe, "customer.subscription.deleted", ended)).json()["outcome"] == "revoked"
        assert not (await chat.services.fair_use.store.billing_account(learner.id)).paid


@SQLITE_ONLY
async def test_cancelar_in_spanish_then_no_keeps_the_plan(billing_settings, stripe_emulator):
    settings = billing_settings()
    async with Conversation(settings, [PHONE]) as chat, stripe_webhook(settings) as stripe:
        await _paid(chat, stripe, stripe_emulator, "subscription")
        assert (await _say(chat, "¡Cancelar!", "s1")).startswith("¿Quieres cancelar tu plan de Habla?")
        assert (await _say(chat, "no, mejor no", "s2")) == "👍 De acuerdo, tu plan sigue igual."
        assert stripe_emulator.calls("POST", "/v1/subscriptions/") == []


@SQLITE_ONLY
async def test_portal_link_by_setting_and_when_the_api_refuses(billing_settings, stripe_emulator):
    settings = billing_settings(stripe={"cancel_via": "portal", "portal_return_url": "https://habla.example/"})
    async with Conversation(settings, [PHONE]) as chat, stripe_webhook(settings) as stripe:
        session = await _paid(chat, stripe, stripe_emulator, "subscription")
        await _say(chat, "cancel", "p1")
        answer = await _say(chat, "sí", "p2")
        assert "https://billing.stripe.com/p/session/" in answer
        [portal] = stripe_emulator.calls("POST", "/v1/billing_portal/sessions")
        assert portal["form"] == {"customer": session["customer"], "return_url": "https://habla.example/"}
    fallback = billing_settings()
    async with Conversation(fallback, [PHONE]) as chat:
        await _say(chat, "cancel", "p3")
        stripe_emulator.fail_next(3, 500)  # the subscription update fails, retries included
        assert "https://billing.stripe.com/p/session/" in await _say(chat, "yes", "p4")
        stripe_emulator.fail_next(6, 500)  # and then the portal too: nothing changed, say so
        await _say(chat, "cancel", "p5")
        assert (await _say(chat, "yes", "p6")).startswith("⚠️ I couldn't reach the payment service")


@SQLITE_ONLY
async def test_one_time_payment_and_free_plan_have_nothing_to_cancel(billing_settings, stripe_emulator):
    settings = billing_settings()
    async with Conversation(settings, [PHONE, "free"]) as chat, stripe_webhook(settings) as stripe:
        await chat.say("free", "cancel", "f1")
        [(_, [free])] = await chat.wait_replies("free", 1)
        assert free == "You're on the free plan, so there is nothing to cancel."
        await _paid(chat, stripe, stripe_emulator, "payment")
        await _say(chat, "cancel", "o1")
        assert "one-time payment" in await _say(chat, "yes", "o2")
        assert stripe_emulator.calls("POST", "/v1/") == []
