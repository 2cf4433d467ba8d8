"""`habla doctor`'s view of billing: off, half set (which setting is missing), or on and Stripe answering."""

from __future__ import annotations

from habla.config import Settings
from habla.errors import PaymentProviderError


async def billing_checks(settings: Settings) -> list[tuple[str, bool, str, bool]]:
    """(name, ok, detail, required) rows."""
    stripe = settings.stripe
    if not stripe.enabled:
        return [("billing", True, "off: no quota; set HABLA_STRIPE__PAYMENT_LINK (and the secret and key) to charge", False)]
    rows = []
    if stripe.webhook_secret is None:
        rows.append(("billing", False, "the Payment Link is set but HABLA_STRIPE__WEBHOOK_SECRET is not: payments would never activate", True))
    else:
        limits = settings.billing
        rows.append(("billing", True, f"on: {limits.free_messages} free messages, {limits.paid_daily_messages} a day paid; webhook /webhooks/stripe", True))
    if stripe.api_key is None:
        rows.append(("stripe.api", False, "HABLA_STRIPE__API_KEY unset: events are taken as delivered and \"cancel\" cannot act", False))
        return rows
    from habla.billing.stripe_api import StripeLibraryAPI

    api = StripeLibraryAPI(stripe)
    try:
        await api.checkout_session_for(payment_intent="pi_habla_doctor")
        rows.append(("stripe.api", True, f"Stripe API answered at {stripe.api_base}", False))
    except PaymentProviderError as exc:
        rows.append(("stripe.api", False, f"{exc} at {stripe.api_base}; check HABLA_STRIPE__API_KEY", False))
    finally:
        await api.aclose()
    return rows
