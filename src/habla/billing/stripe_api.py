"""The Stripe API, through the official ``stripe`` library (``HABLA_STRIPE__API_BASE`` moves it, so tests
talk to an emulator on loopback). A small port, so the rest of billing never sees the SDK."""

from __future__ import annotations

from typing import Any, Protocol

from habla.config import StripeSettings
from habla.errors import PaymentProviderError


class StripeAPI(Protocol):
    async def checkout_session(self, session_id: str) -> dict[str, Any]: ...

    async def checkout_session_for(
        self, *, payment_intent: str | None = None, subscription: str | None = None
    ) -> dict[str, Any] | None: ...

    async def subscription(self, subscription_id: str) -> dict[str, Any]: ...

    async def cancel_at_period_end(self, subscription_id: str) -> dict[str, Any]: ...

    async def portal_url(self, customer_id: str, return_url: str | None) -> str: ...

    async def aclose(self) -> None: ...


class StripeLibraryAPI:
    def __init__(self, settings: StripeSettings) -> None:
        import stripe  # imported here: nothing is built at import time, and billing-off processes skip it

        self._stripe = stripe
        self._http = stripe.HTTPXClient(timeout=settings.timeout_s)
        self._client = stripe.StripeClient(
            settings.api_key.get_secret_value() if settings.api_key else "",
            base_addresses={"api": settings.api_base.rstrip("/")},
            http_client=self._http,
            max_network_retries=2,  # the library retries with an idempotency key on writes
        )

    async def _call(self, what: str, request) -> Any:
        try:
            return (await request).to_dict()
        except self._stripe.StripeError as exc:
            status = getattr(exc, "http_status", None)
            raise PaymentProviderError(f"Stripe refused {what} ({status or type(exc).__name__})") from exc

    async def checkout_session(self, session_id: str) -> dict[str, Any]:
        return await self._call("a Checkout Session read", self._client.v1.checkout.sessions.retrieve_async(session_id))

    async def checkout_session_for(self, *, payment_intent=None, subscription=None) -> dict[str, Any] | None:
        params = {"limit": 1, **({"payment_intent": payment_intent} if payment_intent else {"subscription": subscription})}
        found = await self._call("a Checkout Session search", self._client.v1.checkout.sessions.list_async(params))
        return (found.get("data") or [None])[0]

    async def subscription(self, subscription_id: str) -> dict[str, Any]:
        return await self._call("a Subscription read", self._client.v1.subscriptions.retrieve_async(subscription_id))

    async def cancel_at_period_end(self, subscription_id: str) -> dict[str, Any]:
        return await self._call(
            "a Subscription update",
            self._client.v1.subscriptions.update_async(subscription_id, {"cancel_at_period_end": True}),
        )

    async def portal_url(self, customer_id: str, return_url: str | None) -> str:
        params = {"customer": customer_id, **({"return_url": return_url} if return_url else {})}
        portal = await self._call("a Customer Portal session", self._client.v1.billing_portal.sessions.create_async(params))
        return portal["url"]

    async def aclose(self) -> None:
        await self._http.close_async()


def period_end(subscription: dict[str, Any]) -> float | None:
    """When a subscription set to cancel at period end stops: ``cancel_at``, else the period's end (on the
    subscription in older API versions, on its items since 2025-03-31)."""
    for value in (subscription.get("cancel_at"), subscription.get("current_period_end")):
        if value:
            return float(value)
    items = (subscription.get("items") or {}).get("data") or []
    ends = [item.get("current_period_end") for item in items if item.get("current_period_end")]
    return float(max(ends)) if ends else None
