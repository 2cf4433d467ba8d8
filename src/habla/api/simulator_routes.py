"""POST /webhooks/simulator: the plain-JSON channel (see habla.channels.simulator).

Anyone who can post here speaks as any learner id (including "delete my data"), so in production the
channel needs HABLA_SIMULATOR__TOKEN (at least 32 characters, checked at start) or takes requests from
loopback only: `habla serve` then refuses to listen on a public interface (see docs/security.md).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from habla.agents.ingress import ingest
from habla.api.body_limit import BodyTooLarge, read_capped, too_large
from habla.channels import simulator
from habla.errors import BusError, ChannelError, SignatureError

router = APIRouter()


@router.post("/webhooks/simulator")
async def simulator_webhook(request: Request) -> JSONResponse:
    services = request.app.state.services
    settings = services.settings.simulator
    if not settings.enabled:
        return JSONResponse({"error": "the simulator channel is off; set HABLA_SIMULATOR__CALLBACK_URL"}, 404)
    token = settings.token.get_secret_value() if settings.token else None
    if token is None and services.settings.environment == "production":
        client = request.client.host if request.client else None
        if not simulator.is_loopback(client):
            return JSONResponse({"error": "without HABLA_SIMULATOR__TOKEN the simulator takes loopback only"}, 403)
    try:
        simulator.verify(token, request.headers.get("x-habla-token"))
    except SignatureError as exc:
        return JSONResponse({"error": str(exc)}, 401)
    try:
        inbound = simulator.parse(await read_capped(request))
    except BodyTooLarge:
        return too_large()
    except ChannelError as exc:
        return JSONResponse({"error": str(exc)}, 400)
    try:
        await ingest(services, inbound)
    except BusError:
        # Not on the bus: the caller should retry, as WhatsApp and Twilio do.
        return JSONResponse({"error": "temporarily unavailable, retry"}, 503)
    return JSONResponse({"accepted": True})
