"""Twilio's WhatsApp webhook and the media URLs Twilio fetches (see habla.channels.twilio).

POST /webhooks/twilio        401 no signature, 400 malformed form, 403 wrong signature, 413 too big,
                             200 for a status callback before any database or bus work,
                             200 with empty TwiML after a message is on the bus (Twilio then sends nothing
                             itself: replies go out through the Messages API), 503 when the store or bus is
                             down (nothing kept, the claim released), 404 when Twilio is not configured.
GET  /media/twilio/{token}   a file the Twilio channel published for an outgoing voice note or image.

The signature covers the URL Twilio called, which behind a proxy is not the URL this process sees, so it is
rebuilt from HABLA_PUBLIC_URL + the request's path and query.
"""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, JSONResponse, Response

from habla.agents import delivery_evidence
from habla.agents.ingress import ingest
from habla.api.body_limit import MAX_WEBHOOK_BYTES, BodyTooLarge, read_capped, too_large
from habla.channels.twilio import webhook as twilio
from habla.channels.twilio.channel import STATUS_KEY
from habla.channels.twilio.outbox import MediaOutbox
from habla.errors import BusError, ChannelError, SignatureError

log = logging.getLogger(__name__)
router = APIRouter()

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'
NOT_CONFIGURED = "the Twilio channel is off; set HABLA_TWILIO__ACCOUNT_SID, __AUTH_TOKEN and __FROM"


@router.post("/webhooks/twilio")
async def twilio_webhook(request: Request) -> Response:
    services = request.app.state.services
    settings = services.settings
    if not settings.twilio.enabled:
        return JSONResponse({"error": NOT_CONFIGURED}, 404)
    if not settings.public_url:
        log.error("twilio webhook refused: HABLA_PUBLIC_URL is not set, so signatures cannot be checked")
        return JSONResponse({"error": "HABLA_PUBLIC_URL is not set; Twilio signatures cannot be checked"}, 503)
    header = request.headers.get("x-twilio-signature")
    if not header:
        return JSONResponse({"error": "missing X-Twilio-Signature"}, 401)
    try:
        raw = await read_capped(request, MAX_WEBHOOK_BYTES)  # a real webhook is a few KB; more is not Twilio
    except BodyTooLarge:
        return too_large()
    try:
        pairs = twilio.parse_form(raw)
        twilio.verify_signature(
            signed_url(settings.public_url, request), pairs, header, settings.twilio.auth_token.get_secret_value()
        )
    except SignatureError as exc:
        return JSONResponse({"error": str(exc)}, 401 if isinstance(exc, twilio.MissingSignature) else 403)
    except ChannelError as exc:
        return JSONResponse({"error": str(exc)}, 400)
    form = dict(reversed(pairs))  # the first value wins, should a name repeat
    status = twilio.status_of(form)
    if status is not None:
        _log_status(status)
        address = form.get("To", "").removeprefix(twilio.WHATSAPP_PREFIX)
        try:  # a status of one of our sends is delivery evidence (agents/delivery_evidence.py)
            await delivery_evidence.report(services, twilio.NAME, address, request.query_params.get(STATUS_KEY), status.status)
        except BusError:
            return JSONResponse({"error": "temporarily unavailable, retry"}, 503)
        return _twiml()
    try:
        inbounds = twilio.parse(form)
    except ChannelError as exc:
        return JSONResponse({"error": str(exc)}, 400)
    if not inbounds:
        log.info("twilio webhook ignored: not a WhatsApp sender")
    try:
        for inbound in inbounds:
            await ingest(services, inbound)
    except BusError:
        # Not on the bus: Twilio's retry (or the fallback URL) brings it again; copies are dropped by the agent.
        return JSONResponse({"error": "temporarily unavailable, retry"}, 503)
    return _twiml()


@router.get("/media/twilio/{token}")
async def twilio_media(token: str, request: Request) -> Response:
    settings = request.app.state.services.settings
    if not settings.twilio.enabled:
        return JSONResponse({"error": NOT_CONFIGURED}, 404)
    found = MediaOutbox(settings.media_dir).get(token)
    if found is None:
        return JSONResponse({"error": "no such media"}, 404)
    path, mime = found
    # The URL is a capability: keep shared caches from holding on to someone's voice note.
    return FileResponse(path, media_type=mime, headers={"Cache-Control": "private, no-store"})


def signed_url(public_url: str, request: Request) -> str:
    query = request.url.query
    return public_url.rstrip("/") + request.url.path + (f"?{query}" if query else "")


def _log_status(status: twilio.TwilioStatus) -> None:
    if status.failed:
        # The sid lets the operator look the message up in Twilio's console; 63016 means the 24-hour window
        # had closed and a template should have gone out instead.
        log.warning("twilio delivery %s sid=%s error=%s", status.status, status.message_id, status.error_code or "-")
    else:
        log.debug("twilio status %s sid=%s", status.status, status.message_id)


def _twiml() -> Response:
    return Response(EMPTY_TWIML, media_type="text/xml")
