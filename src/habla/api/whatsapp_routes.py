"""GET/POST /webhooks/whatsapp: Meta's Cloud API webhook (see habla.channels.whatsapp.webhook).

Meta retries any non-200 for up to seven days, so the answers are chosen with that in mind: 200 for
everything accepted (statuses at once, before any database or bus work), 4xx only for requests that are
not Meta's (bad signature, not JSON), and 503 only when the bus is down, which is the one case where a
retry is what we want. No database work happens here: duplicates are dropped by the agents.
"""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from starlette.routing import Route
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from habla.agents import delivery_evidence
from habla.agents.ingress import ingest
from habla.api.body_limit import BodyTooLarge, read_capped, too_large
from habla.channels.whatsapp import webhook as whatsapp
from habla.errors import BusError, ChannelError, SignatureError

router = APIRouter()
log = logging.getLogger(__name__)

PATH = "/webhooks/whatsapp"


def _not_configured() -> JSONResponse:
    return JSONResponse(
        {"error": "the WhatsApp channel is off; set HABLA_WHATSAPP__APP_SECRET (and the access token and "
                  "phone number id to send)"},
        404,
    )


@router.get(PATH)
async def whatsapp_handshake(request: Request) -> Response:
    settings = request.app.state.services.settings.whatsapp
    if settings.verify_token is None:
        return _not_configured()
    challenge = whatsapp.verify_handshake(request.query_params, settings.verify_token.get_secret_value())
    if challenge is None:
        return JSONResponse({"error": "verification failed"}, 403)
    return PlainTextResponse(challenge)


async def whatsapp_webhook(request: Request) -> Response:
    services = request.app.state.services
    settings = services.settings.whatsapp
    if settings.app_secret is None:
        return _not_configured()
    try:
        raw = await read_capped(request)  # before the signature check: the sender is not known yet
    except BodyTooLarge:
        return too_large()
    try:
        whatsapp.verify_signature(raw, request.headers.get("x-hub-signature-256"), settings.app_secret.get_secret_value())
    except SignatureError as exc:
        return JSONResponse({"error": str(exc)}, getattr(exc, "status", 403))
    try:
        parsed = whatsapp.parse(raw, settings.phone_number_id)
    except ChannelError as exc:
        return JSONResponse({"error": str(exc)}, 400)
    if parsed.failed_statuses:
        whatsapp.log_failed_statuses(parsed)
    try:
        # a status for one of our sends is delivery evidence (agents/delivery_evidence.py): one publish, no database
        for status in parsed.statuses:
            await delivery_evidence.report(services, whatsapp.NAME, status.recipient, status.tag, status.status)
    except BusError:
        log.warning("whatsapp webhook: bus unavailable; answering 503 so Meta retries")
        return JSONResponse({"error": "temporarily unavailable, retry"}, 503)
    if not parsed.messages:
        return Response(status_code=200)
    try:
        # In order: two messages of one learner in one body must reach the bus in the order they were sent.
        for inbound in parsed.messages:
            await ingest(services, inbound)
    except BusError:
        # Meta retries the whole body; the messages already published are dropped as duplicates by the agent.
        log.warning("whatsapp webhook: bus unavailable; answering 503 so Meta retries")
        return JSONResponse({"error": "temporarily unavailable, retry"}, 503)
    return Response(status_code=200)


# The POST is a plain Starlette route, mounted by create_app at the top of the app's own route list: it
# takes the raw request and needs none of FastAPI's dependency solving, response serialisation or
# included-router matching, which together cost a third of the ack time under load
# (bench/webhook_ingress.py). This is the hot path: every Meta event, 80 % of them statuses, lands here.
hot_route = Route(PATH, whatsapp_webhook, methods=["POST"])
