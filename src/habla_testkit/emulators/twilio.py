"""Twilio's REST API on loopback: the Messages resource and message media, as Twilio documents them.

- ``POST /2010-04-01/Accounts/{AccountSid}/Messages.json`` (form-encoded, basic auth AccountSid:AuthToken):
  checks the credentials and that the path's sid is theirs, ``From``/``To`` with the ``whatsapp:`` prefix (or
  a ``MessagingServiceSid``), ``Body`` of at most 1,600 characters, and that there is something to send
  (``Body``, ``MediaUrl`` or ``ContentSid``). Accepted messages are recorded in ``sent`` and answered 201 with
  a message resource; refusals use Twilio's error body ``{code, message, more_info, status}``.
- ``GET /2010-04-01/Accounts/{AccountSid}/Messages/{MessageSid}/Media/{MediaSid}`` (basic auth): a 307 to
  ``{cdn.url}/cdn/{MediaSid}`` on a second server (another origin, as Twilio redirects to its CDN), which
  serves the bytes and refuses a request that still carries Twilio's credentials.

Status callbacks: a send that names a ``StatusCallback`` URL gets Twilio's status requests for that message
there ("sent", then "delivered"): form-encoded ``MessageSid``, ``MessageStatus``, ``To``, ``From``, ``AccountSid``…
as Twilio documents them, signed with ``X-Twilio-Signature`` over the callback URL; retried until answered 200.

Errors for the next calls are scripted and consumed in order, then every call succeeds::

    twilio.script(["63016", "429"])

Kinds: ``63016`` (outside the 24-hour window), ``20429`` (429 with code 20429 and ``Retry-After: 2``),
``429`` (429 with no JSON body), ``63018`` (channel rate limit), ``20003`` (401, bad credentials),
``500`` (server error), ``timeout`` (sleeps ``timeout_sleep_s``, then accepts: the message goes out although
the client gave up, as it would at Twilio).
"""

from __future__ import annotations

import asyncio
import base64
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass
from urllib.parse import parse_qsl

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response, StreamingResponse

from habla_testkit.emulators.threaded import ThreadedServer

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "emulated-auth-token-0123456789"
FROM = "whatsapp:+14155238886"
BODY_LIMIT = 1600

_ERRORS = {
    "63016": (400, 63016, "Failed to send freeform message because you are outside the allowed window."),
    "20429": (429, 20429, "Too Many Requests"),
    "63018": (429, 63018, "Rate limit exceeded for Channel"),
    "20003": (401, 20003, "Authenticate"),
    "500": (500, 20500, "Internal Server Error"),
}


@dataclass
class _Media:
    data: bytes
    mime: str
    chunked: bool
    delay_s: float


def error(status: int, code: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    body = {"code": code, "message": message, "more_info": f"https://www.twilio.com/docs/errors/{code}", "status": status}
    return JSONResponse(body, status, headers=headers)


class TwilioEmulator(ThreadedServer):
    def __init__(self, account_sid: str = ACCOUNT_SID, auth_token: str = AUTH_TOKEN) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.sent: list[dict[str, str]] = []  # accepted messages' form fields, plus "sid"
        self.requests: list[dict] = []  # every Messages POST: {"fields", "status"}
        self.media_requests: list[dict] = []  # every media GET: {"path", "authorized"}
        self.timeout_sleep_s = 3.0
        self.status_posts: list[dict[str, str]] = []  # status callbacks made: {"url", "status", "sid", "answer"}
        self.callback_statuses: tuple[str, ...] = ("sent", "delivered")
        self._posting: set[asyncio.Task] = set()
        self._script: deque[str] = deque()
        self._media: dict[str, _Media] = {}
        self._lock = threading.Lock()
        self.cdn = ThreadedServer(self._build_cdn())
        super().__init__(self._build())

    def start(self):
        self.cdn.start()
        return super().start()

    def stop(self) -> None:
        super().stop()
        self.cdn.stop()

    # test controls

    def script(self, kinds: list[str]) -> None:
        with self._lock:
            self._script.extend(kinds)

    def add_media(
        self, data: bytes, mime: str, *, chunked: bool = False, delay_s: float = 0.0, message_sid: str | None = None
    ) -> str:
        """A learner's media; returns its MediaUrl as Twilio puts it in MediaUrl0. ``chunked`` leaves out
        Content-Length; ``delay_s`` makes the CDN slow to start the body."""
        media_sid = "ME" + secrets.token_hex(16)
        message_sid = message_sid or "MM" + secrets.token_hex(16)
        with self._lock:
            self._media[media_sid] = _Media(data, mime, chunked, delay_s)
        return f"{self.url}/2010-04-01/Accounts/{self.account_sid}/Messages/{message_sid}/Media/{media_sid}"

    async def wait_sent(self, count: int, timeout: float = 20.0) -> list[dict[str, str]]:
        """Waits without blocking the loop, since Habla's agents may run in the test's own loop."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if len(self.sent) >= count:
                    return list(self.sent)
            await asyncio.sleep(0.02)
        with self._lock:
            raise AssertionError(f"{len(self.sent)} messages sent at the emulator, expected {count}")

    # the API

    def _authorized(self, request: Request) -> bool:
        header = request.headers.get("authorization", "")
        expected = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        return secrets.compare_digest(header.encode(), f"Basic {expected}".encode())

    def _next(self) -> str:
        with self._lock:
            return self._script.popleft() if self._script else "ok"

    def _build(self) -> FastAPI:
        app = FastAPI()

        @app.post("/2010-04-01/Accounts/{account_sid}/Messages.json")
        async def create_message(account_sid: str, request: Request) -> Response:
            fields = dict(parse_qsl((await request.body()).decode(), keep_blank_values=True))
            outcome = await self._create(account_sid, fields, request)
            with self._lock:
                self.requests.append({"fields": fields, "status": outcome.status_code})
            return outcome

        @app.get("/2010-04-01/Accounts/{account_sid}/Messages/{message_sid}/Media/{media_sid}")
        async def media(account_sid: str, message_sid: str, media_sid: str, request: Request) -> Response:
            authorized = self._authorized(request) and account_sid == self.account_sid
            with self._lock:
                self.media_requests.append({"path": request.url.path, "authorized": authorized})
            if not authorized:
                return error(401, 20003, "Authenticate")
            if media_sid not in self._media:
                return error(404, 20404, "The requested resource was not found")
            return RedirectResponse(f"{self.cdn.url}/cdn/{media_sid}", status_code=307)

        return app

    def _build_cdn(self) -> FastAPI:
        app = FastAPI()

        @app.get("/cdn/{media_sid}")
        async def cdn(media_sid: str, request: Request) -> Response:
            with self._lock:
                self.media_requests.append({"path": request.url.path, "authorized": "authorization" in request.headers})
            if "authorization" in request.headers:
                # Twilio's CDN (S3) refuses requests that still carry Twilio's credentials.
                return Response("credentials leaked to the CDN", 400)
            media = self._media.get(media_sid)
            if media is None:
                return Response("gone", 404)
            if media.delay_s:
                await asyncio.sleep(media.delay_s)
            if media.chunked:
                async def pieces():
                    for start in range(0, len(media.data), 1024):
                        yield media.data[start : start + 1024]

                return StreamingResponse(pieces(), media_type=media.mime)
            return Response(media.data, media_type=media.mime)

        return app

    async def _create(self, account_sid: str, fields: dict[str, str], request: Request) -> Response:
        if not self._authorized(request):
            return error(401, 20003, "Authenticate")
        if account_sid != self.account_sid:
            return error(404, 20404, "The requested resource was not found")
        kind = self._next()
        if kind == "timeout":
            await asyncio.sleep(self.timeout_sleep_s)
        elif kind == "429":
            return Response("Too Many Requests", 429)
        elif kind == "20429":
            return error(*_ERRORS[kind], headers={"Retry-After": "2"})
        elif kind in _ERRORS:
            return error(*_ERRORS[kind])
        refusal = self._check(fields)
        if refusal is not None:
            return refusal
        sid = ("MM" if "MediaUrl" in fields else "SM") + secrets.token_hex(16)
        with self._lock:
            self.sent.append({**fields, "sid": sid})
        if fields.get("StatusCallback"):
            task = asyncio.get_running_loop().create_task(self._status_callbacks(fields, sid))
            self._posting.add(task)
            task.add_done_callback(self._posting.discard)
        resource = {
            "sid": sid,
            "account_sid": self.account_sid,
            "from": fields.get("From"),
            "to": fields["To"],
            "body": fields.get("Body", ""),
            "status": "queued",
            "num_media": "1" if "MediaUrl" in fields else "0",
            "api_version": "2010-04-01",
            "error_code": None,
            "error_message": None,
            "uri": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}.json",
        }
        return JSONResponse(resource, 201)

    async def _status_callbacks(self, fields: dict[str, str], sid: str) -> None:
        url = fields["StatusCallback"]
        async with httpx.AsyncClient(timeout=10) as client:
            for status in self.callback_statuses:
                form = {"ChannelPrefix": "whatsapp", "ApiVersion": "2010-04-01", "MessageStatus": status, "SmsSid": sid,
                        "SmsStatus": status, "To": fields["To"], "From": fields.get("From", ""), "MessageSid": sid,
                        "AccountSid": self.account_sid}
                headers = {"x-twilio-signature": sign_webhook(url, form, self.auth_token)}
                answer = 0
                for _ in range(20):  # Twilio retries a callback that failed to connect
                    try:
                        answer = (await client.post(url, data=form, headers=headers)).status_code
                    except httpx.HTTPError:
                        answer = 0
                    if answer == 200:
                        break
                    await asyncio.sleep(0.25)
                with self._lock:
                    self.status_posts.append({"url": url, "status": status, "sid": sid, "answer": str(answer)})

    def _check(self, fields: dict[str, str]) -> Response | None:
        to, sender = fields.get("To", ""), fields.get("From", "")
        if not to.startswith("whatsapp:+"):
            return error(400, 21211, "Invalid 'To' Phone Number")
        if not sender.startswith("whatsapp:+") and not fields.get("MessagingServiceSid", "").startswith("MG"):
            return error(400, 21212, "Invalid 'From' Phone Number")
        if len(fields.get("Body", "")) > BODY_LIMIT:
            return error(400, 21617, "The concatenated message body exceeds the 1600 character limit")
        if not (fields.get("Body") or fields.get("MediaUrl") or fields.get("ContentSid")):
            return error(400, 21619, "A text message body or media URL must be specified")
        return None


def sign_webhook(url: str, form: dict[str, str], auth_token: str = AUTH_TOKEN) -> str:
    """The X-Twilio-Signature Twilio would send: written here independently of habla's validator."""
    import hashlib
    import hmac

    message = url + "".join(f"{name}{form[name]}" for name in sorted(form))
    return base64.b64encode(hmac.new(auth_token.encode(), message.encode(), hashlib.sha1).digest()).decode()
