"""llama.cpp in this process (xllamacpp): one model per process, loaded lazily, a bounded set of slots.

- **Once per process**: ``engine_for`` keeps one engine per (file, threads, context, slots); both tiers naming
  the same GGUF share it. Nothing loads at import or construction time: the first call loads the model
  (~1 s for the 135M test model, seconds for a 7B), in a worker thread.
- **Off the event loop**: generation runs in the engine's own threads (xllamacpp releases the GIL), one per
  slot; llama.cpp batches the slots together (continuous batching).
- **Slots and a queue**: ``parallel`` calls generate at once and up to ``queue`` more wait their turn, so a
  burst of learners is served in order instead of thrashing the CPU; beyond that a call fails at once as
  ``rate_limited`` and the router tries the other tier.
- **Per-call timeout**: the deadline covers the wait, the load and the generation. Generation is streamed,
  so a call past its deadline (or whose caller went away) is stopped at its next token and frees its slot.

llama.cpp's embedded server also listens on a loopback port (xllamacpp starts it with the engine; giving it no
host crashes); it is given a random API key so nothing else on the machine can use it.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import secrets
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from habla.config import LocalLLMSettings
from habla.errors import LLMBadResponse, LLMError

log = logging.getLogger(__name__)

NEEDS_XLLAMACPP = "the local LLM provider needs llama.cpp: pip install 'habla[local]' (scripts/install.sh installs it)"

_engines: dict[tuple, "LocalEngine"] = {}
_engines_lock = threading.Lock()


def engine_for(path: Path, local: LocalLLMSettings) -> "LocalEngine":
    key = (str(path), local.threads, local.context_size, max(1, local.parallel))
    with _engines_lock:
        engine = _engines.get(key)
        if engine is None:
            engine = _engines[key] = LocalEngine(path, local)
        return engine


@dataclass(eq=False)  # compared (and hashed) by identity: the engine keeps a set of them
class Generation:
    """One streamed chat completion as it arrives."""

    request: dict[str, Any]
    stop: threading.Event = field(default_factory=threading.Event)
    parts: list[str] = field(default_factory=list)
    first_token_at: float | None = None
    finish_reason: str | None = None
    timings: dict[str, Any] = field(default_factory=dict)
    error: dict[str, Any] | None = None

    def on_chunk(self, chunk: Any) -> bool:
        """xllamacpp's stream callback: True stops the generation."""
        if not isinstance(chunk, dict):
            return self.stop.is_set()
        if "error" in chunk:
            self.error = chunk["error"] if isinstance(chunk["error"], dict) else {"message": str(chunk["error"])}
            return True
        for choice in chunk.get("choices") or []:
            content = (choice.get("delta") or {}).get("content")
            if content:
                if self.first_token_at is None:
                    self.first_token_at = time.perf_counter()
                self.parts.append(content)
            if choice.get("finish_reason"):
                self.finish_reason = choice["finish_reason"]
        if isinstance(chunk.get("timings"), dict):
            self.timings = chunk["timings"]
        return self.stop.is_set()

    @property
    def text(self) -> str:
        return "".join(self.parts)


class LocalEngine:
    def __init__(self, path: Path, local: LocalLLMSettings) -> None:
        self.path = path
        self.settings = local
        self.slots = max(1, local.parallel)
        self.load_s: float | None = None
        self._server = None
        self._load_lock = threading.Lock()
        self._count_lock = threading.Lock()
        self._in_flight = 0  # generating or waiting for a slot
        self._running: set[Generation] = set()
        self._executor = concurrent.futures.ThreadPoolExecutor(self.slots, thread_name_prefix="habla-llama")

    @property
    def loaded(self) -> bool:
        return self._server is not None

    @property
    def server(self):
        """The xllamacpp server, loaded on first use (benchmarks call it bare, beside Habla's path)."""
        self.load()
        return self._server

    @property
    def in_flight(self) -> int:
        """Calls generating or waiting for a slot."""
        return self._in_flight

    async def generate(self, request: dict[str, Any], timeout_s: float) -> Generation:
        """Stream one chat completion; raises LLMError (timeout, rate_limited, bad_request, load failure)."""
        with self._count_lock:
            if self._in_flight >= self.slots + max(0, self.settings.queue):
                raise LLMError(f"{self.path.name}: all {self.slots} slots busy and the queue full", kind="rate_limited")
            self._in_flight += 1
        generation = Generation(request)
        future = self._executor.submit(self._run, generation)
        try:
            await asyncio.wait_for(asyncio.shield(asyncio.wrap_future(future)), timeout_s)
        except (asyncio.TimeoutError, asyncio.CancelledError) as exc:
            generation.stop.set()  # stops at the next token
            if future.cancel():  # it was still waiting for a slot: it will never run, so count it out here
                with self._count_lock:
                    self._in_flight -= 1
            if isinstance(exc, asyncio.CancelledError):
                raise
            raise LLMError(f"{self.path.name}: no answer within {timeout_s:g} s", kind="timeout") from None
        if generation.error is not None:
            raise _request_error(self.path.name, generation.error)
        return generation

    def load(self) -> float:
        """Load the model now (idempotent, thread-safe); the seconds it took."""
        with self._load_lock:
            if self._server is None:
                started = time.perf_counter()
                self._server = _start_server(self.path, self.settings, self.slots)
                self.load_s = time.perf_counter() - started
                log.info("local model loaded: %s in %.1f s", self.path.name, self.load_s)
        return self.load_s or 0.0

    def _run(self, generation: Generation) -> None:
        try:
            if generation.stop.is_set():
                return  # its caller gave up while it waited for a slot
            self.load()
            if generation.stop.is_set():
                return  # its deadline passed while the model loaded
            with self._count_lock:
                self._running.add(generation)
            try:
                self._server.handle_chat_completions({**generation.request, "stream": True}, generation.on_chunk)
            except ValueError as err:  # xllamacpp refuses a malformed request before generating
                generation.error = {"message": str(err), "type": "invalid_request_error"}
        finally:
            with self._count_lock:
                self._in_flight -= 1
                self._running.discard(generation)

    def stop_all(self) -> None:
        """Stop every generation in progress (shutdown): each ends at its next token."""
        with self._count_lock:
            for generation in self._running:
                generation.stop.set()


def _start_server(path: Path, local: LocalLLMSettings, slots: int):
    try:
        import xllamacpp
    except ImportError as err:
        raise LLMError(f"{path.name}: {NEEDS_XLLAMACPP}", kind="model_unavailable") from err
    params = xllamacpp.CommonParams()
    params.model.path = str(path)
    params.n_parallel = slots
    params.n_ctx = max(512, local.context_size) * slots  # llama.cpp splits the context between the slots
    if local.threads > 0:
        params.cpuparams.n_threads = local.threads
        params.cpuparams_batch.n_threads = local.threads
    params.verbosity = 0  # llama.cpp logs every slot event to stderr otherwise (the terminal, in `habla chat`)
    params.api_keys = [secrets.token_urlsafe(24)]  # its loopback HTTP port is not ours to offer
    params.ui = False
    try:
        return xllamacpp.Server(params)
    except Exception as err:  # llama.cpp reports a bad file as a RuntimeError with little detail
        raise LLMError(f"{path.name}: llama.cpp could not load it ({err})", kind="model_unavailable") from err


def _request_error(name: str, error: dict[str, Any]) -> LLMError:
    kind = "bad_request" if error.get("type") in ("invalid_request_error", "exceed_context_size_error") else "server_error"
    message = str(error.get("message") or "error")[:200]
    if kind == "server_error":
        return LLMBadResponse(f"{name}: llama.cpp failed ({message})")
    return LLMError(f"{name}: llama.cpp refused the request ({message})", kind=kind)
