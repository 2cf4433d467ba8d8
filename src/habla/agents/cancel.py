""""cancel" / "cancelar" → a confirmation → the plan is cancelled at the end of its period.

The confirmation waits in the learner's session (like "delete my data"), for ``HABLA_MEMORY__CONFIRM_TIMEOUT_S``.
On "yes": a subscription is set to ``cancel_at_period_end`` through the Stripe API (the learner keeps access
until then, and Stripe's ``customer.subscription.deleted`` revokes it at the end), or with
``HABLA_STRIPE__CANCEL_VIA=portal`` (and as a fallback when the API refuses) the learner gets a Customer
Portal link to do it themselves; a one-time payment has nothing to cancel, and the learner is told so.
"""

from __future__ import annotations

import datetime as dt
import logging

from habla.billing.stripe_api import period_end
from habla.storage.billing import Account
from habla.domain import billing_text
from habla.domain.fair_use import zone
from habla.domain.messages import Inbound, hashed
from habla.errors import PaymentProviderError

log = logging.getLogger(__name__)

PENDING = "cancel"


async def intercept(services, inbound: Inbound, learner, session, account: Account) -> tuple[str, str] | None:
    """(reply id suffix, reply) when the message was "cancel" or the answer to its confirmation; the gate
    publishes the reply. None for any other message."""
    fair_use = services.fair_use
    sessions = services.memory.sessions
    now = fair_use.clock()
    language = billing_text.cancel_command(inbound.text)
    if language is not None:
        answer = ("cancel", billing_text.text("nothing_to_cancel", language))
        if account.paid:
            await sessions.record(learner.id, [], [], now)  # the confirmation needs a session to wait in
            await sessions.update(
                learner.id, pending=f"{PENDING}:{language}", pending_until=now + services.settings.memory.confirm_timeout_s
            )
            answer = ("cancel", billing_text.text("confirm_cancel", language))
        log.info("cancel asked learner=%s paid=%s", hashed(learner.id), account.paid)
        return answer
    pending = session.pending or ""
    if not pending.startswith(PENDING) or session.pending_until < now:
        return None
    language = pending.split(":", 1)[1] if ":" in pending else "en"
    await sessions.update(learner.id, pending=None, pending_until=0)
    if not billing_text.confirms(inbound.text):
        return "cancel-kept", billing_text.text("cancel_kept", language)
    return "cancel-done", await _cancel(services, learner, language)


async def _cancel(services, learner, language: str) -> str:
    fair_use = services.fair_use
    checkout = await fair_use.store.current_checkout(learner.id)
    if checkout is None:
        return billing_text.text("nothing_to_cancel", language)
    if checkout.mode != "subscription" or not checkout.subscription_id:
        return billing_text.text("one_time_nothing_to_cancel", language)
    stripe_settings = fair_use.settings.stripe
    if fair_use.stripe is None:
        log.warning("cancel learner=%s: HABLA_STRIPE__API_KEY is not set, so no cancellation is possible", hashed(learner.id))
        return billing_text.text("cancel_failed", language)
    if stripe_settings.cancel_via == "api":
        try:
            subscription = await fair_use.stripe.cancel_at_period_end(checkout.subscription_id)
            ends = period_end(subscription)
            log.info("cancel learner=%s: subscription set to end with its period", hashed(learner.id))
            return billing_text.text("cancelled_at_period_end", language, date=_date(ends, learner, fair_use))
        except PaymentProviderError as exc:
            log.warning("cancel learner=%s through the API failed (%s); offering the Customer Portal", hashed(learner.id), exc)
    try:
        url = await fair_use.stripe.portal_url(checkout.customer_id or "", stripe_settings.portal_return_url)
    except PaymentProviderError as exc:
        log.warning("cancel learner=%s: no Customer Portal session either (%s)", hashed(learner.id), exc)
        return billing_text.text("cancel_failed", language)
    return billing_text.text("portal", language, url=url)


def _date(timestamp: float | None, learner, fair_use) -> str:
    if timestamp is None:
        return "—"
    tz = zone(learner.profile.timezone, fair_use.settings.billing.default_timezone)
    return dt.datetime.fromtimestamp(timestamp, tz).date().isoformat()
