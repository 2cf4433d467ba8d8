"""Stripe events in, learner plans out: one idempotent fulfilment keyed by the Checkout Session.

Shaped like Stripe's own fulfilment guide: whatever event arrives, find its Checkout Session, read the
session as it is *now* from the API (so an event that arrives late or out of order cannot roll the state
back), and apply it once. Facts about a session (paid, failed, refunded, ended) only ever become true, and
access is derived from them, so any order of events ends in the same plan:

- ``checkout.session.completed`` (with ``payment_status`` paid) and ``…async_payment_succeeded``: paid;
- ``checkout.session.async_payment_failed``: failed; ``charge.refunded`` (fully): refunded;
  ``customer.subscription.deleted``: ended. Each of these revokes.

Each event id is claimed in the same transaction that applies it, so a replay, or the same event delivered to
two API processes at the same moment, changes the plan once. Without ``HABLA_STRIPE__API_KEY`` the objects
in the events are taken as they are (correct for events in order; set the key for the rest).
"""

from __future__ import annotations

import logging
from typing import Any

from habla.billing import FairUse
from habla.storage.billing import CheckoutFacts
from habla.domain.messages import hashed

log = logging.getLogger(__name__)

SESSION_EVENTS = {
    "checkout.session.completed",
    "checkout.session.async_payment_succeeded",
    "checkout.session.async_payment_failed",
}
HANDLED = SESSION_EVENTS | {"charge.refunded", "customer.subscription.deleted"}
PAID_STATES = {"paid", "no_payment_required"}
ENDED_SUBSCRIPTION_STATES = {"canceled", "incomplete_expired"}


def _id(value: Any) -> str | None:
    """Stripe fields hold an id, or the object itself when expanded."""
    if isinstance(value, dict):
        return value.get("id")
    return value or None


async def handle_event(fair_use: FairUse, event: dict[str, Any]) -> str:
    """Apply one verified event; returns what happened (for the log and the tests)."""
    event_id, event_type = event["id"], event["type"]
    if event_type not in HANDLED:
        return "ignored"
    if await fair_use.store.event_applied(event_id):
        return "replay"  # the cheap path; the claim in ``apply`` is the one that holds under concurrency
    obj = event["data"]["object"]
    facts = await _facts(fair_use, event_type, obj)
    learner_id = None
    if facts is not None and facts.client_reference_id and await fair_use.store.learner_exists(facts.client_reference_id):
        learner_id = facts.client_reference_id
    outcome = await fair_use.store.apply_stripe_event(event_id, event_type, facts, learner_id)
    if outcome is None:
        return "replay"
    if learner_id is not None:
        await fair_use.cache.invalidate(learner_id)
    elif facts is not None and facts.paid:
        # Money arrived for no learner we know (an erased learner's old link, a hand-made session): kept in
        # billing_checkouts for the operator to refund or assign; never silently dropped.
        log.warning("stripe %s: paid checkout for an unknown learner reference; kept for the operator", event_type)
    log.info("stripe event=%s outcome=%s learner=%s", event_type, outcome, hashed(learner_id) if learner_id else "-")
    return outcome


async def _facts(fair_use: FairUse, event_type: str, obj: dict[str, Any]) -> CheckoutFacts | None:
    if event_type in SESSION_EVENTS:
        session = await _fresh_session(fair_use, obj["id"], obj)
        facts = await _session_facts(fair_use, session)
        facts.failed = event_type == "checkout.session.async_payment_failed" and not facts.paid
        return facts
    if event_type == "charge.refunded":
        if not obj.get("refunded"):
            log.info("stripe charge.refunded: a partial refund; the plan stays")
            return None
        session = await _session_for(fair_use, payment_intent=_id(obj.get("payment_intent")))
        if session is None:
            log.warning("stripe charge.refunded: no Checkout Session for the payment; nothing to revoke")
            return None
        facts = await _session_facts(fair_use, session)
        facts.refunded = True
        return facts
    session = await _session_for(fair_use, subscription=obj["id"])  # customer.subscription.deleted
    if session is None:
        log.warning("stripe customer.subscription.deleted: no Checkout Session for the subscription")
        return None
    facts = await _session_facts(fair_use, session, subscription=obj)
    facts.ended = True
    return facts


async def _fresh_session(fair_use: FairUse, session_id: str, delivered: dict[str, Any]) -> dict[str, Any]:
    if fair_use.stripe is None:
        return delivered
    return await fair_use.stripe.checkout_session(session_id)


async def _session_for(fair_use: FairUse, *, payment_intent=None, subscription=None) -> dict[str, Any] | None:
    """The Checkout Session behind a payment or a subscription: ours if we saw it, else Stripe's."""
    row = await fair_use.store.checkout_by(payment_intent=payment_intent, subscription_id=subscription)
    if row is not None:
        if fair_use.stripe is not None:
            return await fair_use.stripe.checkout_session(row.session_id)
        return {"id": row.session_id, "mode": row.mode, "client_reference_id": row.client_reference_id,
                "customer": row.customer_id, "payment_intent": row.payment_intent, "subscription": row.subscription_id}
    if fair_use.stripe is None or not (payment_intent or subscription):
        return None
    return await fair_use.stripe.checkout_session_for(payment_intent=payment_intent, subscription=subscription)


async def _session_facts(fair_use: FairUse, session: dict[str, Any], subscription: dict | None = None) -> CheckoutFacts:
    facts = CheckoutFacts(
        session_id=session["id"],
        mode=session.get("mode") or "payment",
        client_reference_id=session.get("client_reference_id"),
        customer_id=_id(session.get("customer")),
        payment_intent=_id(session.get("payment_intent")),
        subscription_id=_id(session.get("subscription")),
        paid=session.get("payment_status") in PAID_STATES,
    )
    if facts.subscription_id and subscription is None and fair_use.stripe is not None:
        subscription = await fair_use.stripe.subscription(facts.subscription_id)  # deleted already? then ended
    if subscription is not None and subscription.get("status") in ENDED_SUBSCRIPTION_STATES:
        facts.ended = True
    return facts
