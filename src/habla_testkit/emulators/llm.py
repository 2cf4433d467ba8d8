"""An LLM endpoint on loopback that speaks the OpenAI and Anthropic HTTP contracts.

Tests and benchmarks point the real SDKs at it, so the request/response shapes, status codes and error
bodies are the ones the providers document:

- OpenAI:    ``POST /v1/chat/completions``, ``GET /v1/models``; errors ``{"error": {message, type, param, code}}``
- Anthropic: ``POST /v1/messages``, ``GET /v1/models`` (chosen by the ``anthropic-version`` header);
             errors ``{"type": "error", "error": {type, message}, "request_id"}``

Behaviours for the next calls are scripted and consumed in order, then every call is ``"ok"``::

    with LLMEmulator() as emu:
        emu.script(["429", "ok"])
        AsyncOpenAI(base_url=emu.openai_base_url, api_key="k", max_retries=0)

Scripted kinds: ``ok``, ``429``, ``500``, ``503``, ``529`` (Anthropic "overloaded"), ``401``, ``timeout``
(sleeps ``timeout_sleep_s`` before answering ok), ``garbage`` (200 with a non-JSON body), ``badjson`` (200,
``application/json`` content type, truncated JSON), ``empty`` (well-formed reply whose text is empty),
``nochoices`` (OpenAI ``choices: []`` / Anthropic ``content: []``), ``nousage`` (ok, without ``usage``, as
some local servers answer).

Structured outputs, checked as the providers document them (a malformed request gets their 400):

- OpenAI ``response_format``: ``json_schema`` needs a valid ``name`` and, with ``strict: true``, a schema whose
  every object lists all its properties in ``required`` and sets ``additionalProperties: false``;
  ``json_object`` needs the word "json" in the messages. ``refuse_response_format = {"json_schema"}`` (or
  both types) makes the endpoint answer 400 to them, as some servers and models do.
- Anthropic ``tools`` + ``tool_choice`` (``{"type": "tool", "name"}`` must name a defined tool whose
  ``input_schema`` is an object schema): the reply is a ``tool_use`` block whose ``input`` is the reply text
  parsed as a JSON object (``{"text": reply}`` when it is not one). ``refuse_tools = True`` answers 400.

The default reply is deterministic and derived from the request: a Spanish tutor line that quotes the last
user message, or, when the request asks for a schema with a ``reply`` field (the tutor's structured turn),
that line as ``reply`` with every list field empty (a turn with nothing to correct); tokens are counted as
words. ``reply_fn(messages) -> str`` replaces it (messages are ``{"role", "content"}`` dicts, Anthropic's
``system`` first as a system message; returning None means "the default reply"); ``delay_s`` delays every
reply (benchmarks).

Run as a process: ``python -m habla_testkit.emulators.llm --port 0`` prints ``ready <port>`` and serves until
SIGTERM/SIGINT.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import re
import signal
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from habla_testkit.emulators.threaded import ThreadedServer

ReplyFn = Callable[[list[dict[str, str]]], str]

_OPENAI_ERRORS = {
    401: ("invalid_request_error", "invalid_api_key", "Incorrect API key provided."),
    429: ("requests", "rate_limit_exceeded", "Rate limit reached for requests. Please try again later."),
    500: ("server_error", None, "The server had an error while processing your request. Sorry about that!"),
    503: ("server_error", None, "The engine is currently overloaded, please try again later."),
    529: ("server_error", None, "The engine is currently overloaded, please try again later."),
}
_ANTHROPIC_ERRORS = {
    400: ("invalid_request_error", "Invalid request."),
    401: ("authentication_error", "invalid x-api-key"),
    429: ("rate_limit_error", "Number of requests has exceeded your rate limit."),
    500: ("api_error", "Internal server error"),
    503: ("api_error", "Service unavailable"),
    529: ("overloaded_error", "Overloaded"),
}
_GARBAGE = "<html><body><h1>502 Bad Gateway</h1>upstream sent garbage</body></html>"
MODELS = ("emu-fast", "emu-smart")


def count_tokens(text: str) -> int:
    """A rough, deterministic token count: words."""
    return max(1, len(text.split()))


def tutor_reply(messages: list[dict[str, str]]) -> str:
    last_user = next((m["content"] for m in reversed(messages) if m["role"] == "user"), "")
    return f"¡Muy bien! Has dicho: «{last_user[:200]}». ¿Y tú qué más cuentas?"


def default_reply(messages: list[dict[str, str]], schema: dict[str, Any] | None = None) -> str:
    """The tutor line; as a structured turn when the schema has a ``reply`` field."""
    properties = (schema or {}).get("properties") or {}
    if "reply" not in properties:
        return tutor_reply(messages)
    empty = {name: [] for name, spec in properties.items() if isinstance(spec, dict) and spec.get("type") == "array"}
    return json.dumps({"reply": tutor_reply(messages), **empty}, ensure_ascii=False)


def _text_of(content: Any) -> str:
    """Both providers accept a plain string or a list of ``{"type": "text", "text": ...}`` parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(p.get("text", "") for p in content if isinstance(p, dict))
    return ""


class LLMEmulator(ThreadedServer):
    """A FastAPI app served by uvicorn in a background thread on 127.0.0.1."""

    def __init__(
        self,
        *,
        port: int = 0,
        timeout_sleep_s: float = 5.0,
        delay_s: float = 0.0,
        reply_fn: ReplyFn | None = None,
        api_key: str | None = None,
    ) -> None:
        self.timeout_sleep_s = timeout_sleep_s
        self.delay_s = delay_s
        self.reply_fn = reply_fn
        self.api_key = api_key  # when set, requests must carry it, else 401
        self.refuse_response_format: set[str] = set()  # response_format types answered with a 400
        self.refuse_tools = False  # Anthropic tools answered with a 400
        self.requests: list[dict[str, Any]] = []
        self._script: collections.deque[str] = collections.deque()
        self._lock = threading.Lock()
        self._counter = 0
        self._stopping = threading.Event()
        super().__init__(port=port)

    # ---- public surface -------------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def openai_base_url(self) -> str:
        return f"{self.base_url}/v1"

    @property
    def anthropic_base_url(self) -> str:
        return self.base_url

    def script(self, behaviours: list[str]) -> None:
        """Queue behaviours for the next calls (any provider), consumed in order; then ``ok``."""
        with self._lock:
            self._script.extend(behaviours)

    @property
    def pending(self) -> list[str]:
        with self._lock:
            return list(self._script)

    def _make_app(self) -> FastAPI:
        return self._app_for_requests()

    def stop(self) -> None:
        self._stopping.set()  # wakes scripted "timeout" sleeps so shutdown stays fast
        super().stop()

    # ---- behaviour --------------------------------------------------------------------------------------
    def _next(self) -> tuple[str, int]:
        with self._lock:
            self._counter += 1
            return (self._script.popleft() if self._script else "ok"), self._counter

    async def _sleep(self, seconds: float) -> None:
        """Sleep, but wake up when the emulator stops so shutdown stays fast."""
        end = time.monotonic() + seconds
        while not self._stopping.is_set() and (left := end - time.monotonic()) > 0:
            await asyncio.sleep(min(left, 0.05))

    async def _receive(self, request: Request) -> dict[str, Any]:
        try:
            body = await request.json()
        except ValueError:
            body = None
        self.requests.append({"path": request.url.path, "headers": dict(request.headers), "json": body})
        return body if isinstance(body, dict) else {}

    def _reply_text(self, messages: list[dict[str, str]], schema: dict[str, Any] | None = None) -> str:
        text = self.reply_fn(messages) if self.reply_fn else None
        return default_reply(messages, schema) if text is None else text

    def _app_for_requests(self) -> FastAPI:
        app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)

        @app.get("/v1/models")
        async def models(request: Request) -> Response:
            if "anthropic-version" in request.headers:
                data = [{"type": "model", "id": m, "display_name": m, "created_at": "2025-01-01T00:00:00Z"}
                        for m in MODELS]
                return JSONResponse({"data": data, "has_more": False, "first_id": MODELS[0], "last_id": MODELS[-1]})
            data = [{"id": m, "object": "model", "created": 1735689600, "owned_by": "habla-emulator"} for m in MODELS]
            return JSONResponse({"object": "list", "data": data})

        @app.post("/v1/chat/completions")
        async def chat_completions(request: Request) -> Response:
            return await self._openai(request)

        @app.post("/v1/messages")
        async def messages(request: Request) -> Response:
            return await self._anthropic(request)

        return app

    async def _prelude(self, behaviour: str) -> str:
        """Apply delays; return the behaviour that decides the answer."""
        if self.delay_s:
            await self._sleep(self.delay_s)
        if behaviour == "timeout":
            await self._sleep(self.timeout_sleep_s)
            return "ok"
        return behaviour

    # ---- OpenAI -----------------------------------------------------------------------------------------
    def _openai_error(self, status: int, n: int, message: str | None = None) -> JSONResponse:
        etype, code, default = _OPENAI_ERRORS.get(status, ("invalid_request_error", None, "Invalid request."))
        body = {"error": {"message": message or default, "type": etype, "param": None, "code": code}}
        headers = {"x-request-id": f"req_emu{n:06d}"}
        if status == 429:
            headers["retry-after"] = "1"
        return JSONResponse(body, status_code=status, headers=headers)

    async def _openai(self, request: Request) -> Response:
        body = await self._receive(request)
        behaviour, n = self._next()
        if self.api_key and request.headers.get("authorization") != f"Bearer {self.api_key}":
            return self._openai_error(401, n)
        if not isinstance(body.get("messages"), list) or not body.get("model"):
            return self._openai_error(400, n, "'model' and 'messages' are required properties")
        problem = self._response_format_problem(body)
        if problem:
            return self._openai_error(400, n, problem)
        behaviour = await self._prelude(behaviour)
        if behaviour.isdigit():
            return self._openai_error(int(behaviour), n)
        if behaviour == "garbage":
            return Response(_GARBAGE, status_code=200, media_type="text/html")
        if behaviour == "badjson":
            return Response('{"id": "chatcmpl-emu", "choices": [', status_code=200, media_type="application/json")
        messages = [{"role": m.get("role", ""), "content": _text_of(m.get("content"))} for m in body["messages"]]
        fmt = body.get("response_format") or {}
        schema = (fmt.get("json_schema") or {}).get("schema") if fmt.get("type") == "json_schema" else None
        text = "" if behaviour == "empty" else self._reply_text(messages, schema)
        limit = body.get("max_completion_tokens") or body.get("max_tokens")
        text, finish = _truncate(text, limit)
        choices = [] if behaviour == "nochoices" else [{
            "index": 0,
            "message": {"role": "assistant", "content": text, "refusal": None},
            "logprobs": None,
            "finish_reason": finish,
        }]
        tokens_in = sum(count_tokens(m["content"]) for m in messages)
        tokens_out = count_tokens(text) if text else 0
        reply: dict[str, Any] = {
            "id": f"chatcmpl-emu{n:06d}",
            "object": "chat.completion",
            "created": 1735689600 + n,
            "model": body["model"],
            "choices": choices,
            "usage": {"prompt_tokens": tokens_in, "completion_tokens": tokens_out, "total_tokens": tokens_in + tokens_out},
            "system_fingerprint": "fp_emulator",
        }
        if behaviour == "nousage":
            del reply["usage"]
        return JSONResponse(reply, headers={"x-request-id": f"req_emu{n:06d}"})

    def _response_format_problem(self, body: dict[str, Any]) -> str | None:
        fmt = body.get("response_format")
        if fmt is None:
            return None
        kind = fmt.get("type") if isinstance(fmt, dict) else None
        if kind in self.refuse_response_format:
            return f"response_format of type '{kind}' is not supported with this model"
        if kind == "json_object":
            if not any("json" in _text_of(m.get("content")).lower() for m in body["messages"] if isinstance(m, dict)):
                return "'messages' must contain the word 'json' in some form, to use 'response_format' of type 'json_object'."
            return None
        if kind == "json_schema":
            spec = fmt.get("json_schema")
            if not isinstance(spec, dict) or not isinstance(spec.get("schema"), dict):
                return "Missing required parameter: 'response_format.json_schema.schema'."
            if not re.fullmatch(r"[a-zA-Z0-9_-]{1,64}", str(spec.get("name", ""))):
                return "Invalid 'response_format.json_schema.name': string does not match pattern '^[a-zA-Z0-9_-]+$'."
            if spec.get("strict"):
                problem = _strict_schema_problem(spec["schema"], ())
                if problem:
                    return f"Invalid schema for response_format '{spec['name']}': {problem}"
            return None
        return f"Invalid value: '{kind}'. Supported values are: 'text', 'json_object' and 'json_schema'."

    # ---- Anthropic --------------------------------------------------------------------------------------
    def _anthropic_error(self, status: int, n: int, message: str | None = None) -> JSONResponse:
        etype, default = _ANTHROPIC_ERRORS.get(status, ("api_error", "Error"))
        body = {"type": "error", "error": {"type": etype, "message": message or default}, "request_id": f"req_emu{n:06d}"}
        headers = {"request-id": f"req_emu{n:06d}"}
        if status == 429:
            headers["retry-after"] = "1"
        return JSONResponse(body, status_code=status, headers=headers)

    async def _anthropic(self, request: Request) -> Response:
        body = await self._receive(request)
        behaviour, n = self._next()
        # Anthropic SDK 2.x sends the key as "Authorization: Bearer"; older clients and curl use x-api-key.
        keys = {request.headers.get("x-api-key"), request.headers.get("authorization", "").removeprefix("Bearer ")}
        if self.api_key and self.api_key not in keys:
            return self._anthropic_error(401, n)
        problem = _anthropic_problem(body) or self._tools_problem(body)
        if problem:
            return self._anthropic_error(400, n, problem)
        behaviour = await self._prelude(behaviour)
        if behaviour.isdigit():
            return self._anthropic_error(int(behaviour), n)
        if behaviour == "garbage":
            return Response(_GARBAGE, status_code=200, media_type="text/html")
        if behaviour == "badjson":
            return Response('{"id": "msg_emu", "content": [', status_code=200, media_type="application/json")
        system = _text_of(body.get("system", ""))
        messages = ([{"role": "system", "content": system}] if system else []) + [
            {"role": m["role"], "content": _text_of(m.get("content"))} for m in body["messages"]
        ]
        forced = (body.get("tool_choice") or {}).get("name")
        schema = next((t.get("input_schema") for t in body.get("tools") or [] if t.get("name") == forced), None)
        text = "" if behaviour == "empty" else self._reply_text(messages, schema)
        text, finish = _truncate(text, body["max_tokens"])
        content = [] if behaviour == "nochoices" else [{"type": "text", "text": text}]
        if forced and content:
            content = [{"type": "tool_use", "id": f"toolu_emu{n:06d}", "name": forced, "input": _as_object(text)}]
        reply: dict[str, Any] = {
            "id": f"msg_emu{n:06d}",
            "type": "message",
            "role": "assistant",
            "model": body["model"],
            "content": content,
            "stop_reason": "max_tokens" if finish == "length" else ("tool_use" if forced else "end_turn"),
            "stop_sequence": None,
            "usage": {
                "input_tokens": sum(count_tokens(m["content"]) for m in messages),
                "output_tokens": count_tokens(text) if text else 0,
            },
        }
        if behaviour == "nousage":
            del reply["usage"]
        return JSONResponse(reply, headers={"request-id": f"req_emu{n:06d}"})


    def _tools_problem(self, body: dict[str, Any]) -> str | None:
        tools, choice = body.get("tools"), body.get("tool_choice")
        if tools is None and choice is None:
            return None
        if self.refuse_tools:
            return "tools: this model does not support tool use"
        if not isinstance(tools, list) or not tools:
            return "tools: Input should be a valid list"
        names = set()
        for i, tool in enumerate(tools):
            if not isinstance(tool, dict) or not re.fullmatch(r"[a-zA-Z0-9_-]{1,64}", str(tool.get("name", ""))):
                return f"tools.{i}.name: String should match pattern '^[a-zA-Z0-9_-]{{1,64}}$'"
            if not isinstance(tool.get("input_schema"), dict) or tool["input_schema"].get("type") != "object":
                return f"tools.{i}.input_schema.type: Input should be 'object'"
            names.add(tool["name"])
        if isinstance(choice, dict) and choice.get("type") == "tool" and choice.get("name") not in names:
            return f"tool_choice.name: Tool '{choice.get('name')}' not found in tools"
        return None


def _strict_schema_problem(node: Any, context: tuple[str, ...]) -> str | None:
    """What OpenAI's strict mode refuses: an object that leaves a property optional or stays open."""
    if isinstance(node, list):
        return next((p for item in node if (p := _strict_schema_problem(item, context))), None)
    if not isinstance(node, dict):
        return None
    properties = node.get("properties")
    if node.get("type") == "object" and isinstance(properties, dict):
        missing = [key for key in properties if key not in (node.get("required") or [])]
        if missing:
            return (f"In context={context}, 'required' is required to be supplied and to be an array including "
                    f"every key in properties. Missing '{missing[0]}'.")
        if node.get("additionalProperties") is not False:
            return f"In context={context}, 'additionalProperties' is required to be supplied and to be false."
    for key, value in node.items():
        if key in ("properties", "$defs") and isinstance(value, dict):
            for name, child in value.items():
                if (problem := _strict_schema_problem(child, (*context, key, name))):
                    return problem
        elif key not in ("required", "enum", "const"):
            if (problem := _strict_schema_problem(value, (*context, key))):
                return problem
    return None


def _as_object(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError:
        return {"text": text}
    return value if isinstance(value, dict) else {"value": value}


def _anthropic_problem(body: dict[str, Any]) -> str | None:
    """The validation the Messages API documents that a client is most likely to get wrong."""
    if not body.get("model"):
        return "model: Field required"
    if not isinstance(body.get("max_tokens"), int):
        return "max_tokens: Field required"
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        return "messages: at least one message is required"
    for i, m in enumerate(messages):
        if not isinstance(m, dict) or m.get("role") not in ("user", "assistant"):
            return (f"messages.{i}.role: Input should be 'user' or 'assistant'"
                    " (system prompts go in the top-level system parameter)")
    return None


def _truncate(text: str, limit: Any) -> tuple[str, str]:
    words = text.split()
    if isinstance(limit, int) and limit > 0 and len(words) > limit:
        return " ".join(words[:limit]), "length"
    return text, "stop"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m habla_testkit.emulators.llm")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--delay", type=float, default=0.0, help="seconds before every reply")
    parser.add_argument("--timeout-sleep", type=float, default=5.0)
    args = parser.parse_args(argv)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    with LLMEmulator(port=args.port, delay_s=args.delay, timeout_sleep_s=args.timeout_sleep) as emu:
        print(f"ready {emu.port}", flush=True)
        while not stop.wait(0.5):
            pass


if __name__ == "__main__":
    main(sys.argv[1:])
