"""A Stripe API on loopback speaking the documented HTTP contract, and Stripe's webhook signing.

What Habla calls, as https://docs.stripe.com/api documents it:

- ``Authorization: Bearer <secret key>`` on every request (401 ``invalid_request_error`` otherwise);
- ``GET /v1/checkout/sessions/{id}``; ``GET /v1/checkout/sessions?payment_intent=…|subscription=…&limit=``
  (a ``list`` object);
- ``GET /v1/subscriptions/{id}``; ``POST /v1/subscriptions/{id}`` with a form-encoded body
  (``cancel_at_period_end=true``); ``DELETE /v1/subscriptions/{id}`` (cancel now);
- ``POST /v1/billing_portal/sessions`` (form: ``customer``, ``return_url``);
- errors as ``{"error": {"type", "code", "message", "param"}}`` with Stripe's status codes.

Tests create objects with ``checkout_session(...)`` / ``subscription(...)`` and change them as Stripe would
(``pay``, ``refund``), build events with ``event(type, object)`` and sign them with ``sign_header`` exactly as
Stripe does: ``Stripe-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<raw body>" under whsec_…>``.
``fail_next(n, status)`` makes the next n requests fail.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import threading
import time
import urllib.parse
import uuid
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from habla_testkit.emulators.threaded import ThreadedServer

API_KEY = "sk_test_habla_emulator"
WEBHOOK_SECRET = "whsec_test_habla_emulator"
PERIOD_S = 30 * 24 * 3600


def new_id(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:24]}"


def sign_header(payload: bytes, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    """Stripe's scheme: v1 = HMAC-SHA256(secret, "<t>.<payload>") in hex."""
    t = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{t}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={t},v1={digest}"


def event(event_type: str, obj: dict[str, Any], event_id: str | None = None) -> bytes:
    body = {
        "id": event_id or new_id("evt"), "object": "event", "api_version": "2025-09-30.clover",
        "created": int(time.time()), "livemode": False, "pending_webhooks": 1, "type": event_type,
        "request": {"id": None, "idempotency_key": None}, "data": {"object": copy.deepcopy(obj)},
    }
    return json.dumps(body).encode()


def _error(status: int, message: str, code: str | None = None, param: str | None = None, kind="invalid_request_error"):
    body = {"error": {"type": kind, "message": message, **({"code": code} if code else {}), **({"param": param} if param else {})}}
    return JSONResponse(body, status, headers={"Request-Id": new_id("req")})


class StripeEmulator(ThreadedServer):
    def __init__(self, api_key: str = API_KEY) -> None:
        super().__init__()
        self.api_key = api_key
        self.sessions: dict[str, dict] = {}
        self.subscriptions: dict[str, dict] = {}
        self.requests: list[dict] = []  # method, path, query, form
        self._failures: list[int] = []
        self._lock = threading.Lock()

    # objects, as Stripe would hold them

    def checkout_session(self, client_reference_id: str, mode: str = "payment", payment_status: str = "paid") -> dict:
        customer = new_id("cus")
        session = {
            "id": new_id("cs_test"), "object": "checkout.session", "mode": mode, "status": "complete",
            "payment_status": payment_status, "client_reference_id": client_reference_id, "customer": customer,
            "amount_total": 900, "currency": "eur", "livemode": False, "payment_link": new_id("plink"),
            "payment_intent": new_id("pi") if mode == "payment" else None, "subscription": None,
        }
        if mode == "subscription":
            session["subscription"] = self.subscription(customer)["id"]
        self.sessions[session["id"]] = session
        return copy.deepcopy(session)

    def subscription(self, customer: str) -> dict:
        now = int(time.time())
        sub = {
            "id": new_id("sub"), "object": "subscription", "customer": customer, "status": "active",
            "cancel_at_period_end": False, "cancel_at": None, "canceled_at": None,
            "items": {"object": "list", "data": [{"id": new_id("si"), "object": "subscription_item",
                                                  "current_period_start": now, "current_period_end": now + PERIOD_S}]},
        }
        self.subscriptions[sub["id"]] = sub
        return copy.deepcopy(sub)

    def pay(self, session_id: str) -> dict:
        self.sessions[session_id]["payment_status"] = "paid"
        return copy.deepcopy(self.sessions[session_id])

    def refund(self, session_id: str) -> dict:
        """The charge object of a full refund, as ``charge.refunded`` carries it."""
        session = self.sessions[session_id]
        return {"id": new_id("ch"), "object": "charge", "amount": 900, "amount_refunded": 900, "refunded": True,
                "payment_intent": session["payment_intent"], "customer": session["customer"], "status": "succeeded"}

    def end_subscription(self, subscription_id: str) -> dict:
        sub = self.subscriptions[subscription_id]
        sub.update(status="canceled", canceled_at=int(time.time()))
        return copy.deepcopy(sub)

    def fail_next(self, count: int, status: int = 500) -> None:
        with self._lock:
            self._failures.extend([status] * count)

    def calls(self, method: str, prefix: str) -> list[dict]:
        return [r for r in self.requests if r["method"] == method and r["path"].startswith(prefix)]

    # the HTTP contract

    def _make_app(self) -> FastAPI:
        app = FastAPI()

        @app.middleware("http")
        async def contract(request: Request, call_next):
            raw = await request.body()
            form = {}
            if request.method == "POST":
                if not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
                    return _error(400, "Stripe takes form-encoded bodies")
                form = dict(urllib.parse.parse_qsl(raw.decode()))
            self.requests.append({"method": request.method, "path": request.url.path,
                                  "query": dict(request.query_params), "form": form})
            if request.headers.get("authorization") != f"Bearer {self.api_key}":
                return _error(401, "Invalid API Key provided: sk_test_****")
            with self._lock:
                failure = self._failures.pop(0) if self._failures else None
            if failure is not None:
                return _error(failure, "An unknown error occurred", kind="api_error")
            request.state.form = form
            return await call_next(request)

        @app.get("/v1/checkout/sessions/{session_id}")
        async def get_session(session_id: str):
            session = self.sessions.get(session_id)
            if session is None:
                return _error(404, f"No such checkout.session: '{session_id}'", "resource_missing", "session")
            return session

        @app.get("/v1/checkout/sessions")
        async def list_sessions(request: Request):
            query = request.query_params
            found = [s for s in self.sessions.values()
                     if all(s.get(field) == query[field] for field in ("payment_intent", "subscription", "customer") if field in query)]
            limit = int(query.get("limit", 10))
            return {"object": "list", "url": "/v1/checkout/sessions", "has_more": len(found) > limit, "data": found[:limit]}

        @app.get("/v1/subscriptions/{subscription_id}")
        async def get_subscription(subscription_id: str):
            sub = self.subscriptions.get(subscription_id)
            return sub if sub is not None else _error(404, f"No such subscription: '{subscription_id}'", "resource_missing", "id")

        @app.post("/v1/subscriptions/{subscription_id}")
        async def update_subscription(subscription_id: str, request: Request):
            sub = self.subscriptions.get(subscription_id)
            if sub is None:
                return _error(404, f"No such subscription: '{subscription_id}'", "resource_missing", "id")
            form = request.state.form
            if "cancel_at_period_end" in form:
                if form["cancel_at_period_end"] not in ("true", "false"):
                    return _error(400, "Invalid boolean", "parameter_invalid_boolean", "cancel_at_period_end")
                at_end = form["cancel_at_period_end"] == "true"
                sub["cancel_at_period_end"] = at_end
                sub["cancel_at"] = sub["items"]["data"][0]["current_period_end"] if at_end else None
            return sub

        @app.delete("/v1/subscriptions/{subscription_id}")
        async def cancel_subscription(subscription_id: str):
            sub = self.subscriptions.get(subscription_id)
            if sub is None:
                return _error(404, f"No such subscription: '{subscription_id}'", "resource_missing", "id")
            return self.end_subscription(subscription_id)

        @app.post("/v1/billing_portal/sessions")
        async def portal(request: Request):
            form = request.state.form
            if not form.get("customer"):
                return _error(400, "Missing required param: customer.", "parameter_missing", "customer")
            portal_id = new_id("bps")
            return {"id": portal_id, "object": "billing_portal.session", "customer": form["customer"],
                    "return_url": form.get("return_url"), "url": f"https://billing.stripe.com/p/session/{portal_id}"}

        return app
