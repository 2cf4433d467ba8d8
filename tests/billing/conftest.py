"""Billing fixtures: the Stripe API emulator, settings with billing on, the webhook posted as Stripe posts it."""

from __future__ import annotations

import contextlib

import httpx
import pytest

from habla.api.app import create_app
from habla_testkit.backends import llm_settings
from habla_testkit.emulators.stripe import API_KEY, WEBHOOK_SECRET, StripeEmulator, event, sign_header

PAYMENT_LINK = "https://buy.stripe.com/test_habla"


@pytest.fixture
def stripe_emulator():
    with StripeEmulator() as emulator:
        yield emulator


def stripe_settings(emulator, **overrides) -> dict:
    return {"api_key": API_KEY, "webhook_secret": WEBHOOK_SECRET, "payment_link": PAYMENT_LINK,
            "api_base": emulator.url, **overrides}


@pytest.fixture
def billing_settings(make_settings, llm_emulator, stripe_emulator):
    def make(free: int = 3, daily: int = 5, stripe: dict | None = None, **overrides):
        return make_settings(
            llm=llm_settings(llm_emulator),
            stripe=stripe_settings(stripe_emulator, **(stripe or {})),
            billing={"free_messages": free, "paid_daily_messages": daily},
            **overrides,
        )
    return make


@contextlib.asynccontextmanager
async def stripe_webhook(settings):
    """An API-only app (no agents) with its lifespan, reached over ASGI: where Stripe posts events."""
    app = create_app(settings, agents=[])
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://habla.test") as client:
            yield client


async def deliver(client: httpx.AsyncClient, event_type: str, obj: dict, event_id: str | None = None, **sign) -> httpx.Response:
    """Post one event exactly as Stripe does: the raw JSON body, signed in Stripe-Signature."""
    raw = event(event_type, obj, event_id)
    headers = {"content-type": "application/json; charset=utf-8", "stripe-signature": sign_header(raw, **sign)}
    return await client.post("/webhooks/stripe", content=raw, headers=headers)
