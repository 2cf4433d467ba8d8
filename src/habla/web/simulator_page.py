"""/simulator: a phone-sized chat page per learner, as a real channel.

The page is a client of the simulator channel (habla.channels.simulator) like any integration: what a
learner types, taps or records is parsed by the channel's own parser and published by ingress, so the
conversation, voice and sender agents handle it exactly as a WhatsApp message; the sender hands the replies
to the channel, which POSTs them to its callback URL: this server's /simulator/callback. So the page also
works with `habla serve --agents none` and separate workers, as long as the workers' callback URL points at
the API process that serves the page (HABLA_SIMULATOR__CALLBACK_URL, with a ``key`` of your choosing).

On by default outside production; in production only with HABLA_SIMULATOR__PAGE=true, and then only for a
signed-in operator.
"""

from __future__ import annotations

import base64
import hmac
import json
import logging
import re
import secrets
import uuid
from urllib.parse import parse_qs, urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from habla.agents.ingress import ingest
from habla.channels import simulator
from habla.config import Settings
from habla.errors import BusError, ChannelError
from habla.web.auth import SESSION_COOKIE, AdminAuth
from habla.web.inbox import Inbox
from habla.web.templating import render

log = logging.getLogger(__name__)
router = APIRouter()

LEARNER_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,40}$")
POLL_TIMEOUT_S = 20.0
MAX_CALLBACK_BYTES = 24 * 1024 * 1024  # a voice note or an image, base64


def point_callback_here(settings: Settings, host: str, port: int) -> None:
    """With the page on and no callback configured, the simulator channel answers this server, with a key
    only this process knows (so nobody else can post into a page learner's chat)."""
    if not settings.simulator_page or settings.simulator.callback_url:
        return
    reachable = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    if ":" in reachable:
        reachable = f"[{reachable}]"
    settings.simulator.callback_url = f"http://{reachable}:{port}/simulator/callback?key={secrets.token_urlsafe(24)}"


def _inbox(request: Request) -> Inbox:
    inbox = getattr(request.app.state, "simulator_inbox", None)
    if inbox is None:
        inbox = request.app.state.simulator_inbox = Inbox()
    return inbox


def _allowed(request: Request) -> bool:
    settings = request.app.state.services.settings
    if settings.environment != "production":
        return True
    auth = getattr(request.app.state, "admin_auth", None) or AdminAuth(settings.admin)
    return auth.session_nonce(request.cookies.get(SESSION_COOKIE)) is not None


def _refusal(request: Request, name: str | None = None) -> Response | None:
    if not _allowed(request):
        return JSONResponse({"error": "sign in at /admin first"}, 401)
    if not request.app.state.services.settings.simulator.enabled:
        return JSONResponse({"error": "the simulator channel has no callback URL; start with `habla serve`"}, 503)
    if name is not None and not LEARNER_NAME.match(name):
        return JSONResponse({"error": "a learner name is 1-40 letters, digits, '.', '_' or '-'"}, 400)
    return None


@router.get("/simulator")
async def page(request: Request) -> Response:
    if not _allowed(request):
        return RedirectResponse("/admin/login", status_code=303)
    settings = request.app.state.services.settings
    return render("simulator.html", ready=settings.simulator.enabled, max_voice_bytes=settings.voice.max_bytes)


async def _publish(request: Request, name: str, body: dict, shown: dict) -> Response:
    """Parse with the channel's own parser, keep what the learner sees of it, publish through ingress."""
    try:
        inbound = simulator.parse(json.dumps(body).encode())
    except ChannelError as exc:
        return JSONResponse({"error": str(exc)}, 400)
    try:
        await ingest(request.app.state.services, inbound)
    except BusError:
        return JSONResponse({"error": "temporarily unavailable, retry"}, 503)
    await _inbox(request).add(name, {"from": "learner", **shown})
    return JSONResponse({"accepted": True, "id": body["id"]})


@router.post("/simulator/api/{name}/text")
async def send_text(name: str, request: Request) -> Response:
    if (refusal := _refusal(request, name)) is not None:
        return refusal
    try:
        body = json.loads(await request.body())
    except ValueError:
        return JSONResponse({"error": "body is not JSON"}, 400)
    if not isinstance(body, dict) or not isinstance(body.get("text"), str):
        return JSONResponse({"error": "send {\"text\": \"...\"}"}, 400)
    message = {"from": name, "id": f"page-{uuid.uuid4().hex}", "text": body["text"]}
    if isinstance(body.get("reply_id"), str):
        message["reply_id"] = body["reply_id"]  # a tapped button or list row
    return await _publish(request, name, message, {"text": body["text"], "tapped": "reply_id" in message})


@router.post("/simulator/api/{name}/voice")
async def send_voice(name: str, request: Request) -> Response:
    """The browser's recording (MediaRecorder: WebM/Opus in Chromium, Ogg/Opus in Firefox) as the body."""
    if (refusal := _refusal(request, name)) is not None:
        return refusal
    mime = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if not mime.startswith("audio/"):
        return JSONResponse({"error": "send the recording with an audio/* content type"}, 415)
    limit = request.app.state.services.settings.voice.max_bytes
    data = bytearray()
    async for part in request.stream():
        data += part
        if len(data) > limit:  # the voice agent would refuse it too; say so before it crosses the bus
            return JSONResponse({"error": f"a voice note is at most {limit // (1024 * 1024)} MB"}, 413)
    if not data:
        return JSONResponse({"error": "the recording is empty"}, 400)
    url = f"data:{mime};base64,{base64.b64encode(bytes(data)).decode()}"
    message = {"from": name, "id": f"page-{uuid.uuid4().hex}", "media_url": url, "mime": mime}
    return await _publish(request, name, message, {"audio": url})


@router.get("/simulator/api/{name}/messages")
async def messages(name: str, request: Request, after: int = 0, wait: float = POLL_TIMEOUT_S) -> Response:
    if (refusal := _refusal(request, name)) is not None:
        return refusal
    found = await _inbox(request).wait_after(name, after, min(max(wait, 0.0), POLL_TIMEOUT_S))
    return JSONResponse({"messages": found})


def _callback_key(settings: Settings) -> str | None:
    url = settings.simulator.callback_url
    if not url:
        return None
    return (parse_qs(urlsplit(url).query).get("key") or [None])[0]


@router.post("/simulator/callback")
async def callback(request: Request, key: str = "") -> Response:
    """The simulator channel's far end for page learners (see habla.channels.simulator for the shapes)."""
    expected = _callback_key(request.app.state.services.settings)
    if not expected or not hmac.compare_digest(key.encode(), expected.encode()):
        return JSONResponse({"error": "wrong or missing key"}, 401)
    raw = await request.body()
    if len(raw) > MAX_CALLBACK_BYTES:
        return JSONResponse({"error": "too big"}, 413)
    try:
        body = json.loads(raw)
    except ValueError:
        return JSONResponse({"error": "body is not JSON"}, 400)
    if not isinstance(body, dict) or not isinstance(body.get("to"), str):
        return JSONResponse({"error": "'to' is missing"}, 400)
    shown: dict = {"from": "tutor"}
    if isinstance(body.get("text"), str):
        shown["text"] = body["text"]
    mime = body.get("mime") if isinstance(body.get("mime"), str) else ""
    for kind in ("audio", "image"):
        if isinstance(body.get(kind), str):
            shown[kind] = f"data:{mime or ('audio/ogg' if kind == 'audio' else 'image/png')};base64,{body[kind]}"
    if isinstance(body.get("caption"), str):
        shown["caption"] = body["caption"]
    for kind in ("buttons", "list"):
        if isinstance(body.get(kind), list):
            shown[kind] = [str(choice)[:100] for choice in body[kind]][:10]
    key = body.get("idempotency_key") if isinstance(body.get("idempotency_key"), str) else None
    await _inbox(request).add(body["to"], shown, key)
    return JSONResponse({"ok": True})
