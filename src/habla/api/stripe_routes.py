"""POST /webhooks/stripe: signed Stripe events → billing.fulfilment.

The signature is checked by the ``stripe`` library itself on the raw body (``Stripe-Signature``, 300 s
tolerance). Answers: 200 once an event is applied (or was already, or is one we do not handle); 400 for
a forged, missing, stale or unparseable request, with nothing changed; 503 when the database or Stripe's
API failed mid-way, so Stripe retries (it does, for days) and the event is applied then.
"""

from __future__ import annotations

import json
import logging

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from habla.api.body_limit import BodyTooLarge, read_capped, too_large
from habla.billing.fulfilment import handle_event
from habla.errors import BillingError, StorageError

router = APIRouter()
log = logging.getLogger(__name__)

TOLERANCE_S = 300


@router.post("/webhooks/stripe")
async def stripe_webhook(request: Request) -> JSONResponse:
    services = request.app.state.services
    secret = services.settings.stripe.webhook_secret
    if secret is None:
        return JSONResponse({"error": "billing is off; set HABLA_STRIPE__WEBHOOK_SECRET"}, 404)
    import stripe

    try:
        raw = await read_capped(request)  # before the signature check: the sender is not known yet
    except BodyTooLarge:
        return too_large()
    try:
        stripe.Webhook.construct_event(raw, request.headers.get("stripe-signature"), secret.get_secret_value(), TOLERANCE_S)
        event = json.loads(raw)
        if not all(isinstance(v, str) for v in (event["id"], event["type"], event["data"]["object"]["id"])):
            raise TypeError("event ids and type must be strings")
    except stripe.SignatureVerificationError:
        log.warning("stripe webhook: signature missing, wrong or stale")
        return JSONResponse({"error": "invalid signature"}, 400)
    except (ValueError, KeyError, TypeError, RecursionError):
        return JSONResponse({"error": "not a Stripe event"}, 400)
    try:
        outcome = await handle_event(services.fair_use, event)
    except (BillingError, StorageError) as exc:
        log.warning("stripe webhook: %s; answering 503 so Stripe retries", exc)
        return JSONResponse({"error": "temporarily unavailable, retry"}, 503)
    return JSONResponse({"received": True, "outcome": outcome})
