"""Meta's Graph API for WhatsApp, on loopback, speaking the Cloud API contract the way Meta documents it.

    POST /{version}/{phone_number_id}/messages   text | audio | image | template, or a read receipt
    POST /{version}/{phone_number_id}/media      multipart upload (file, type, messaging_product) -> {"id"}
    GET  /{version}/{media_id}                   {"url", "mime_type", "sha256", "file_size", "id", ...}
    GET  /whatsapp_business/attachments/{id}     the media itself (bearer required, as on lookaside.fbsbx.com)

It checks what Meta checks (bearer token, phone number id, messaging_product, ``to``, text ≤ 4096 characters,
uploaded media ids, approved template names) and answers Graph error bodies
``{"error": {"message", "type", "code", "error_subcode"?, "fbtrace_id"}}``. It records what a learner
would see; ``delivered`` drops a repeat of the same ``biz_opaque_callback_data`` (our idempotency key),
``sent`` keeps every accepted request.

Status webhooks: after ``post_statuses_to(url, app_secret)``, every accepted message is followed by Meta's
status webhooks for it ("sent", then "delivered"), signed with ``X-Hub-Signature-256`` and carrying the
message's ``biz_opaque_callback_data``, ``recipient_id`` and ``id`` as Meta's status reference shows;
a non-200 answer is retried, as Meta does.

Scripting: ``fail_next("131056", times=2)`` makes the next message sends answer that error (kinds:
``131047``, ``131056``, ``130429``, ``190``, ``429``, ``500``); ``expire_next_download(media_id)`` makes the
next download of that media answer 404 as an expired URL does.
"""

from __future__ import annotations

import asyncio
import collections
import email.parser
import email.policy
import hashlib
import hmac
import itertools
import json
import threading
import time
from typing import Any

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from habla_testkit.emulators.threaded import ThreadedServer

VERSION = "v21.0"
TEXT_LIMIT = 4096

_ERRORS: dict[str, tuple[int, dict[str, Any]]] = {
    "131047": (400, {"code": 131047, "type": "OAuthException", "message": "(#131047) Re-engagement message",
                     "error_data": {"messaging_product": "whatsapp", "details": "Message failed to send because "
                                    "more than 24 hours have passed since the customer last replied to this number."}}),
    "131056": (400, {"code": 131056, "type": "OAuthException",
                     "message": "(#131056) (Business Account, Consumer Account) pair rate limit hit",
                     "error_data": {"messaging_product": "whatsapp", "details": "Too many messages sent from "
                                    "the sender phone number to the same recipient phone number in a short period of time."}}),
    "130429": (400, {"code": 130429, "type": "OAuthException", "message": "(#130429) Rate limit hit",
                     "error_data": {"messaging_product": "whatsapp", "details": "Cloud API message throughput "
                                    "has been reached."}}),
    "190": (401, {"code": 190, "error_subcode": 463, "type": "OAuthException",
                  "message": "Error validating access token: Session has expired."}),
    "429": (429, {"code": 4, "type": "OAuthException", "message": "(#4) Application request limit reached"}),
    "500": (500, {"code": 131000, "type": "OAuthException", "message": "(#131000) Something went wrong"}),
}


class GraphEmulator(ThreadedServer):
    def __init__(
        self,
        *,
        access_token: str = "test-access-token",
        phone_number_id: str = "106540352242922",
        templates: tuple[str, ...] = ("habla_reengage",),
    ) -> None:
        self.access_token = access_token
        self.phone_number_id = phone_number_id
        self.templates = set(templates)
        self.requests: list[dict[str, Any]] = []  # every call, accepted or not: (method, path, json)
        self.sent: list[dict[str, Any]] = []  # accepted message bodies (text, audio, image, template)
        self.receipts: list[dict[str, Any]] = []  # accepted read receipts
        self.uploads: dict[str, tuple[bytes, str]] = {}
        self.media: dict[str, tuple[bytes, str]] = {}  # what learners sent, served by id
        self.media_lookups: list[str] = []
        self.downloads: list[tuple[str, int]] = []  # (media id, status answered)
        self.omit_content_length = False  # stream media without Content-Length (a size we must count)
        self.report_file_size = True  # include file_size in media lookups
        self.download_stall_s = 0.0  # pause before the media body: a download that takes too long
        self.media_url_base: str | None = None  # hand out media URLs on another server (a hostile lookup)
        self._failures: collections.deque[str] = collections.deque()
        self._receipt_failures: collections.deque[str] = collections.deque()
        self._expire: collections.Counter[str] = collections.Counter()
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._status_hook: tuple[str, str, tuple[str, ...]] | None = None
        self.status_posts: list[dict[str, Any]] = []  # statuses posted: {"id", "status", "tag", "answer"}
        self._posting: set[asyncio.Task] = set()
        super().__init__(self._app())

    # -- the test's handle -----------------------------------------------------------------------------------

    @property
    def api_base(self) -> str:
        return f"{self.url}/{VERSION}"

    def settings(self, **overrides: Any) -> dict[str, Any]:
        """HABLA_WHATSAPP__* pointing at this emulator (add ``app_secret``/``verify_token`` as needed)."""
        return {"access_token": self.access_token, "phone_number_id": self.phone_number_id,
                "api_base": self.api_base, **overrides}

    def post_statuses_to(self, url: str, app_secret: str, statuses: tuple[str, ...] = ("sent", "delivered")) -> None:
        """From now on, post these status webhooks for every accepted message to ``url`` (Habla's webhook)."""
        self._status_hook = (url, app_secret, statuses)

    def fail_next(self, kind: str, times: int = 1) -> None:
        """The next ``times`` message sends (read receipts excluded) answer this documented error."""
        assert kind in _ERRORS, kind
        with self._lock:
            self._failures.extend([kind] * times)

    def fail_next_receipt(self, kind: str, times: int = 1) -> None:
        assert kind in _ERRORS, kind
        with self._lock:
            self._receipt_failures.extend([kind] * times)

    def add_media(self, data: bytes, mime: str = "audio/ogg", media_id: str | None = None) -> str:
        media_id = media_id or f"{next(self._ids):015d}"
        with self._lock:
            self.media[media_id] = (data, mime)
        return media_id

    def expire_next_download(self, media_id: str, times: int = 1) -> None:
        with self._lock:
            self._expire[media_id] += times

    @property
    def delivered(self) -> list[dict[str, Any]]:
        """What the learner sees: a resend under the same idempotency key is dropped."""
        seen: set[str] = set()
        out = []
        with self._lock:
            for body in self.sent:
                tag = body.get("biz_opaque_callback_data")
                if tag is not None and tag in seen:
                    continue
                if tag is not None:
                    seen.add(tag)
                out.append(body)
        return out

    def texts(self, to: str | None = None) -> list[str]:
        """What the learner reads, in order: text messages and the bodies of interactive ones."""
        return [b["text"]["body"] if b["type"] == "text" else b["interactive"]["body"]["text"]
                for b in self.delivered if b["type"] in ("text", "interactive") and to in (None, b["to"])]

    def choices(self, to: str | None = None) -> list[list[str]]:
        """The titles of the buttons or list rows of each interactive message, in order."""
        out = []
        for body in self.delivered:
            if body["type"] != "interactive" or to not in (None, body["to"]):
                continue
            action = body["interactive"]["action"]
            if body["interactive"]["type"] == "button":
                out.append([b["reply"]["title"] for b in action["buttons"]])
            else:
                out.append([row["title"] for section in action["sections"] for row in section["rows"]])
        return out

    def attempts(self) -> int:
        """Message sends attempted (accepted or refused), read receipts excluded."""
        with self._lock:
            return sum(1 for r in self.requests if r["path"].endswith("/messages") and r["json"].get("status") != "read")

    def wait_for(self, predicate, timeout: float = 20.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return True
            time.sleep(0.02)
        return predicate()

    # -- the app ---------------------------------------------------------------------------------------------

    def _error(self, status: int, error: dict[str, Any]) -> JSONResponse:
        return JSONResponse({"error": {**error, "fbtrace_id": f"Aemu{next(self._ids)}"}}, status_code=status)

    def _bad(self, message: str, code: int = 100) -> JSONResponse:
        return self._error(400, {"code": code, "type": "OAuthException", "message": f"(#{code}) {message}"})

    def _authorised(self, request: Request) -> bool:
        return request.headers.get("authorization") == f"Bearer {self.access_token}"

    def _unauthorised(self) -> JSONResponse:
        return self._error(401, {"code": 190, "type": "OAuthException",
                                 "message": "Invalid OAuth access token - Cannot parse access token"})

    def _app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/{version}/{phone_number_id}/messages")
        async def messages(version: str, phone_number_id: str, request: Request) -> Response:
            try:
                body = await request.json()
            except ValueError:
                body = None
            with self._lock:
                self.requests.append({"method": "POST", "path": request.url.path, "json": body or {}})
            if not self._authorised(request):
                return self._unauthorised()
            if phone_number_id != self.phone_number_id:
                return self._bad(f"Unsupported post request. Object with ID '{phone_number_id}' does not exist")
            if not isinstance(body, dict) or body.get("messaging_product") != "whatsapp":
                return self._bad("The parameter messaging_product is required.")
            with self._lock:
                queue = self._receipt_failures if body.get("status") == "read" else self._failures
                failure = queue.popleft() if queue else None
            if failure is not None:
                status, error = _ERRORS[failure]
                return self._error(status, error)
            if body.get("status") == "read":
                return self._receipt(body)
            return self._message(body)

        @app.post("/{version}/{phone_number_id}/media")
        async def upload(version: str, phone_number_id: str, request: Request) -> Response:
            fields, files = _multipart(request.headers.get("content-type", ""), await request.body())
            with self._lock:
                self.requests.append({"method": "POST", "path": request.url.path, "json": fields})
            if not self._authorised(request):
                return self._unauthorised()
            if phone_number_id != self.phone_number_id:
                return self._bad(f"Unsupported post request. Object with ID '{phone_number_id}' does not exist")
            if fields.get("messaging_product") != "whatsapp" or not fields.get("type") or "file" not in files:
                return self._bad("Param file, type and messaging_product are required.")
            media_id = f"{next(self._ids):015d}"
            with self._lock:
                self.uploads[media_id] = (files["file"], fields["type"])
            return JSONResponse({"id": media_id})

        @app.get("/{version}/{media_id}")
        async def media_url(version: str, media_id: str, request: Request) -> Response:
            with self._lock:
                self.media_lookups.append(media_id)
                known = self.media.get(media_id)
            if not self._authorised(request):
                return self._unauthorised()
            if known is None:
                return self._bad(f"Unsupported get request. Object with ID '{media_id}' does not exist", 100)
            data, mime = known
            info = {
                "messaging_product": "whatsapp", "id": media_id, "mime_type": mime, "file_size": len(data),
                "sha256": hashlib.sha256(data).hexdigest(),
                "url": f"{self.media_url_base or self.url}/whatsapp_business/attachments/{media_id}?token={next(self._ids)}",
            }
            if not self.report_file_size:
                del info["file_size"]
            return JSONResponse(info)

        @app.get("/whatsapp_business/attachments/{media_id}")
        async def download(media_id: str, request: Request) -> Response:
            with self._lock:
                expired = self._expire[media_id] > 0
                if expired:
                    self._expire[media_id] -= 1
                known = self.media.get(media_id)
                status = 401 if not self._authorised(request) else 404 if expired or known is None else 200
                self.downloads.append((media_id, status))
            if status != 200:
                return Response(status_code=status)
            data, mime = known
            if self.omit_content_length or self.download_stall_s:
                stall = self.download_stall_s

                async def body():
                    if stall:
                        await asyncio.sleep(stall)
                    for i in range(0, len(data), 4096):
                        yield data[i:i + 4096]

                return StreamingResponse(body(), media_type=mime)
            return Response(data, media_type=mime)

        return app

    def _receipt(self, body: dict[str, Any]) -> Response:
        if not body.get("message_id"):
            return self._bad("The parameter message_id is required.")
        with self._lock:
            self.receipts.append(body)
        return JSONResponse({"success": True})

    def _message(self, body: dict[str, Any]) -> Response:
        to, kind = body.get("to"), body.get("type")
        if not isinstance(to, str) or not to:
            return self._bad("The parameter to is required.")
        problem = self._check(kind, body.get(kind))
        if problem:
            return self._bad(*problem)
        wamid = f"wamid.EMU{next(self._ids):012d}"
        with self._lock:
            self.sent.append(body)
        if self._status_hook is not None:
            task = asyncio.get_running_loop().create_task(self._post_statuses(wamid, to.lstrip("+"), body))
            self._posting.add(task)
            task.add_done_callback(self._posting.discard)
        return JSONResponse({"messaging_product": "whatsapp", "contacts": [{"input": to, "wa_id": to.lstrip("+")}],
                             "messages": [{"id": wamid}]})

    async def _post_statuses(self, wamid: str, recipient: str, body: dict[str, Any]) -> None:
        url, secret, statuses = self._status_hook
        async with httpx.AsyncClient(timeout=10) as client:
            for status in statuses:
                item = {"id": wamid, "status": status, "timestamp": str(int(time.time())), "recipient_id": recipient,
                        "conversation": {"id": "CONVERSATION_ID_0001", "origin": {"type": "service"}},
                        "pricing": {"billable": False, "pricing_model": "PMP", "category": "service",
                                    "type": "free_customer_service"}}
                if "biz_opaque_callback_data" in body:
                    item["biz_opaque_callback_data"] = body["biz_opaque_callback_data"]
                document = {"object": "whatsapp_business_account", "entry": [{"id": "102290129340398", "changes": [{
                    "field": "messages", "value": {
                        "messaging_product": "whatsapp",
                        "metadata": {"display_phone_number": "15550783881", "phone_number_id": self.phone_number_id},
                        "statuses": [item]}}]}]}
                raw = json.dumps(document).encode()
                headers = {"content-type": "application/json",
                           "x-hub-signature-256": "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()}
                answer = await _post_until_accepted(client, url, headers, content=raw)
                with self._lock:
                    self.status_posts.append({"id": wamid, "status": status, "tag": item.get("biz_opaque_callback_data"),
                                              "answer": answer})

    def _check(self, kind: Any, content: Any) -> tuple[str, int] | None:
        if not isinstance(content, dict):
            return (f"The parameter {kind} is required.", 100)
        if kind == "text":
            text = content.get("body")
            if not isinstance(text, str) or not text:
                return ("The parameter text['body'] is required.", 100)
            if len(text) > TEXT_LIMIT:
                return (f"Param text['body'] must be at most {TEXT_LIMIT} characters long.", 100)
        elif kind in ("audio", "image"):
            if content.get("id") not in self.uploads:
                return ("Media upload error: the media id is not valid", 131053)
        elif kind == "interactive":
            return _interactive_problem(content)
        elif kind == "template":
            if content.get("name") not in self.templates or not _dict(content.get("language")).get("code"):
                return ("Template name does not exist in the translation", 132001)
        else:
            return (f"Param type '{kind}' is not valid", 100)
        return None


def _interactive_problem(content: dict) -> tuple[str, int] | None:
    """The Cloud API's checks on reply buttons and lists (limits as documented for interactive messages)."""
    body = _dict(content.get("body")).get("text")
    if not isinstance(body, str) or not body or len(body) > 1024:
        return ("Param interactive['body']['text'] is required and must be at most 1024 characters long.", 100)
    action = _dict(content.get("action"))
    if content.get("type") == "button":
        buttons = action.get("buttons")
        if not isinstance(buttons, list) or not 1 <= len(buttons) <= 3:
            return ("Param interactive['action']['buttons'] must have between 1 and 3 elements.", 100)
        titles = [_dict(_dict(b).get("reply")).get("title") for b in buttons]
        ids = [_dict(_dict(b).get("reply")).get("id") for b in buttons]
        if any(not isinstance(t, str) or not t or len(t) > 20 for t in titles):
            return ("Param interactive['action']['buttons'][]['reply']['title'] must be at most 20 characters long.", 100)
        if len(set(titles)) != len(titles) or any(not isinstance(i, str) or not i or len(i) > 256 for i in ids):
            return ("Button titles and ids must be unique and not empty.", 100)
    elif content.get("type") == "list":
        label = action.get("button")
        rows = [row for section in action.get("sections") or [] for row in _dict(section).get("rows") or []]
        if not isinstance(label, str) or not label or len(label) > 20:
            return ("Param interactive['action']['button'] must be at most 20 characters long.", 100)
        if not 1 <= len(rows) <= 10:
            return ("Param interactive['action']['sections'] must have between 1 and 10 rows in total.", 100)
        if any(not isinstance(_dict(r).get("title"), str) or not r["title"] or len(r["title"]) > 24 for r in rows):
            return ("Param interactive['action']['sections'][]['rows'][]['title'] must be at most 24 characters long.", 100)
        if any(not isinstance(_dict(r).get("id"), str) or not r["id"] or len(r["id"]) > 200 for r in rows):
            return ("Param interactive['action']['sections'][]['rows'][]['id'] must be at most 200 characters long.", 100)
    else:
        return (f"Param interactive['type'] '{content.get('type')}' is not valid", 100)
    return None


async def _post_until_accepted(client: httpx.AsyncClient, url: str, headers: dict[str, str], **body: Any) -> int:
    """POST like a provider's webhook sender: retried (a few times here) until it is answered 200."""
    answer = 0
    for _ in range(20):
        try:
            answer = (await client.post(url, headers=headers, **body)).status_code
        except httpx.HTTPError:
            answer = 0
        if answer == 200:
            return answer
        await asyncio.sleep(0.25)
    return answer


def _multipart(content_type: str, body: bytes) -> tuple[dict[str, str], dict[str, bytes]]:
    """multipart/form-data with the standard library (python-multipart is not a dependency here)."""
    if not content_type.startswith("multipart/form-data"):
        return {}, {}
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + body
    )
    fields: dict[str, str] = {}
    files: dict[str, bytes] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True) or b""
        if part.get_filename() is not None:
            files[name] = payload
        else:
            fields[name] = payload.decode()
    return fields, files


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}
