"""The free quota, the Payment Link, activation by a signed webhook, revocation, the daily cap in the
learner's timezone and the flood budget, through ingress → bus → conversation agent → sender, on both
deployments. The LLM emulator counts what reached the model: nothing past a limit may."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from zoneinfo import ZoneInfo

from habla_testkit.conversation import Conversation
from tests.billing.conftest import PAYMENT_LINK, deliver, stripe_webhook

PHONE = "+34600000001"


def texts(chat, address=PHONE) -> list[str]:
    return [chunk for _, chunks in chat.replies[address] for chunk in chunks]


async def say_and_wait(chat, text: str, message_id: str, replies: int, address: str = PHONE) -> list[str]:
    await chat.say(address, text, message_id)
    await chat.wait_replies(address, replies)
    return texts(chat, address)


async def test_free_quota_then_payment_link_then_reminders_at_no_model_cost(billing_settings, llm_emulator):
    settings = billing_settings(free=3)
    async with Conversation(settings, [PHONE]) as chat:
        for n in range(3):
            await say_and_wait(chat, f"Frase {n}", f"q{n}", n + 1)
        assert len(llm_emulator.requests) == 3
        learner = await chat.services.store.learner("console", PHONE)
        limit = (await say_and_wait(chat, "Frase 3", "q3", 4))[-1]
        assert "3 free messages" in limit and "500" not in limit and "5 messages a day" in limit
        [url] = re.findall(r"https://\S+", limit)
        assert url == f"{PAYMENT_LINK}?client_reference_id={learner.id}"
        assert re.fullmatch(r"[A-Za-z0-9_-]+", learner.id) and "34600000001" not in url
        reminder = (await say_and_wait(chat, "Frase 4", "q4", 5))[-1]
        assert reminder.startswith("🔒") and url in reminder
        # a redelivered over-quota message takes no second place in the counter
        await chat.say(PHONE, "Frase 4", "q4")
        await say_and_wait(chat, "Frase 5", "q5", 6)
        assert len(llm_emulator.requests) == 3  # nothing past the quota reached the model
        assert await chat.services.fair_use.store.usage(learner.id, "free") == 6
        assert await chat.services.store.turn_for("console:q4") is None


async def test_payment_activates_once_confirms_on_next_message_and_refund_revokes(billing_settings, llm_emulator, stripe_emulator):
    settings = billing_settings(free=1)
    async with Conversation(settings, [PHONE]) as chat, stripe_webhook(settings) as stripe:
        await say_and_wait(chat, "Hola", "a0", 1)
        learner = await chat.services.store.learner("console", PHONE)
        assert "free messages" in (await say_and_wait(chat, "Otra", "a1", 2))[-1]
        session = stripe_emulator.checkout_session(learner.id)
        response = await deliver(stripe, "checkout.session.completed", session, event_id="evt_paid_1")
        assert response.status_code == 200 and response.json()["outcome"] == "activated"
        replay = await deliver(stripe, "checkout.session.completed", session, event_id="evt_paid_1")
        assert replay.status_code == 200 and replay.json()["outcome"] == "replay"
        assert await chat.services.fair_use.store.plan_activations(learner.id) == 1

        await chat.say(PHONE, "Ya pagué", "a2")
        await chat.wait_replies(PHONE, 4)
        (notice_to, [notice]), (reply_to, [reply]) = chat.replies[PHONE][2:4]
        assert notice == "✅ Your Habla plan is active. Thank you!" and notice_to == reply_to == "a2"
        assert "«Ya pagué»" in reply
        assert "✅" not in (await say_and_wait(chat, "Y otra", "a3", 5))[-1]  # confirmed once
        assert len(llm_emulator.requests) == 3

        refund = await deliver(stripe, "charge.refunded", stripe_emulator.refund(session["id"]))
        assert refund.json()["outcome"] == "revoked"
        assert (await say_and_wait(chat, "¿Sigo?", "a4", 6))[-1].startswith("🔒")
        assert len(llm_emulator.requests) == 3


async def test_events_out_of_order_end_in_the_right_state(billing_settings, stripe_emulator):
    settings = billing_settings()
    async with Conversation(settings, ["ana", "ben", "cy"]) as chat, stripe_webhook(settings) as stripe:
        fair_use = chat.services.fair_use
        ana, ben, cy = [await chat.services.store.learner("console", name) for name in ("ana", "ben", "cy")]
        # the refund is delivered before the payment it refunds: the payment must not activate afterwards
        session = stripe_emulator.checkout_session(ana.id)
        assert (await deliver(stripe, "charge.refunded", stripe_emulator.refund(session["id"]))).status_code == 200
        assert (await deliver(stripe, "checkout.session.completed", session)).json()["outcome"] == "unchanged"
        assert not (await fair_use.store.billing_account(ana.id)).paid
        # a delayed payment: completed while unpaid, then the late success (Stripe's session now says paid)
        delayed = stripe_emulator.checkout_session(ben.id, payment_status="unpaid")
        assert (await deliver(stripe, "checkout.session.completed", delayed)).json()["outcome"] == "unchanged"
        stripe_emulator.pay(delayed["id"])
        assert (await deliver(stripe, "checkout.session.async_payment_succeeded", delayed)).json()["outcome"] == "activated"
        # a stale copy of the first event, retried by Stripe later, cannot undo it (the session is re-read)
        assert (await deliver(stripe, "checkout.session.completed", delayed)).json()["outcome"] == "unchanged"
        assert (await fair_use.store.billing_account(ben.id)).paid
        # a failed delayed payment, and a subscription deleted before its checkout event arrived
        failed = stripe_emulator.checkout_session(cy.id, payment_status="unpaid")
        assert (await deliver(stripe, "checkout.session.async_payment_failed", failed)).json()["outcome"] == "unchanged"
        subscribed = stripe_emulator.checkout_session(cy.id, mode="subscription")
        ended = stripe_emulator.end_subscription(subscribed["subscription"])
        assert (await deliver(stripe, "customer.subscription.deleted", ended)).status_code == 200
        assert (await deliver(stripe, "checkout.session.completed", subscribed)).json()["outcome"] == "unchanged"
        assert not (await fair_use.store.billing_account(cy.id)).paid


async def test_forged_stale_or_unsigned_events_change_nothing(billing_settings, stripe_emulator):
    import time

    settings = billing_settings()
    async with Conversation(settings, ["dee"]) as chat, stripe_webhook(settings) as stripe:
        learner = await chat.services.store.learner("console", "dee")
        session = stripe_emulator.checkout_session(learner.id)
        forged = await deliver(stripe, "checkout.session.completed", session, secret="whsec_not_ours")
        stale = await deliver(stripe, "checkout.session.completed", session, timestamp=int(time.time()) - 301)
        unsigned = await stripe.post("/webhooks/stripe", content=b'{"id": "evt_1"}', headers={"content-type": "application/json"})
        assert [forged.status_code, stale.status_code, unsigned.status_code] == [400, 400, 400]
        fresh_enough = await deliver(stripe, "checkout.session.completed", session, timestamp=int(time.time()) - 240)
        assert fresh_enough.status_code == 200
        store = chat.services.store
        assert await store.plan_activations(learner.id) == 1  # only the properly signed delivery counted


async def test_stripe_api_down_answers_503_so_stripe_retries(billing_settings, stripe_emulator):
    settings = billing_settings()
    async with Conversation(settings, ["eve"]) as chat, stripe_webhook(settings) as stripe:
        learner = await chat.services.store.learner("console", "eve")
        session = stripe_emulator.checkout_session(learner.id)
        stripe_emulator.fail_next(3, 500)
        down = await deliver(stripe, "checkout.session.completed", session, event_id="evt_retry")
        assert down.status_code == 503 and not (await chat.services.fair_use.store.billing_account(learner.id)).paid
        retried = await deliver(stripe, "checkout.session.completed", session, event_id="evt_retry")
        assert retried.json()["outcome"] == "activated"  # the retry is applied: the payment was not lost


async def test_paid_daily_limit_follows_the_learners_midnight(billing_settings, stripe_emulator, llm_emulator):
    settings = billing_settings(free=1, daily=2)
    lima = ZoneInfo("America/Lima")  # UTC-5, no DST
    now = [dt.datetime(2026, 3, 10, 23, 58, tzinfo=lima).timestamp()]
    async with Conversation(settings, [PHONE]) as chat, stripe_webhook(settings) as stripe:
        chat.services.fair_use.clock = lambda: now[0]
        learner = await chat.services.store.learner("console", PHONE)
        await chat.services.store.update_profile_key(learner.id, "timezone", lambda _: "America/Lima")
        await deliver(stripe, "checkout.session.completed", stripe_emulator.checkout_session(learner.id))
        await say_and_wait(chat, "Uno", "d1", 2)  # the ✅ line and the reply
        await say_and_wait(chat, "Dos", "d2", 3)
        capped = (await say_and_wait(chat, "Tres", "d3", 4))[-1]
        assert "today's 2 messages" in capped and "in about 1 h" in capped
        # 04:59 UTC on the 11th is still the 10th in Lima: the cap holds past UTC's midnight …
        now[0] = dt.datetime(2026, 3, 11, 4, 59, tzinfo=dt.timezone.utc).timestamp()
        assert "today's 2 messages" in (await say_and_wait(chat, "Casi", "d3b", 5))[-1]
        now[0] = dt.datetime(2026, 3, 11, 0, 0, 30, tzinfo=lima).timestamp()  # … and ends at the learner's
        assert "«Cuatro»" in (await say_and_wait(chat, "Cuatro", "d4", 6))[-1]
        assert len(llm_emulator.requests) == 3
        assert await chat.services.fair_use.store.usage(learner.id, "day:2026-03-11") == 1
        assert await chat.services.fair_use.store.usage(learner.id, "day:2026-03-10") == 4


async def test_flood_gets_one_slow_down_then_silence_until_the_bucket_refills(billing_settings, llm_emulator):
    settings = billing_settings(free=100, rate_limit={"burst": 3, "per_second": 0.5})
    now = [1_800_000_000.0]
    async with Conversation(settings, [PHONE, "calm"]) as chat:
        chat.services.fair_use.clock = lambda: now[0]
        for n in range(3):
            await chat.say(PHONE, f"Rápido {n}", f"f{n}")
        await chat.wait_replies(PHONE, 3)
        slow = await say_and_wait(chat, "Rápido 3", "f3", 4)
        assert slow[-1].startswith("🐢")
        await chat.say(PHONE, "Rápido 4", "f4")  # dropped: no second warning
        await say_and_wait(chat, "Hola", "c1", 1, address="calm")  # another learner is not affected
        now[0] += 2.0  # one token back
        assert "«Otra vez»" in (await say_and_wait(chat, "Otra vez", "f5", 5))[-1]
        assert [c for _, chunks in chat.replies[PHONE] for c in chunks if "Rápido 4" in c] == []
        assert len(llm_emulator.requests) == 5


async def test_billing_off_has_no_quota_and_no_flood_budget(make_settings, llm_emulator):
    from habla_testkit.backends import llm_settings

    settings = make_settings(llm=llm_settings(llm_emulator), billing={"free_messages": 1})
    async with Conversation(settings, [PHONE]) as chat:
        assert not chat.services.fair_use.billing_on and chat.services.fair_use.flood is None
        await asyncio.gather(*[chat.say(PHONE, f"Mensaje {n}", f"o{n}") for n in range(25)])
        await chat.wait_replies(PHONE, 25)
        assert len(llm_emulator.requests) == 25
