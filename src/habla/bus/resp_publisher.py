"""A lean publisher for the webhook's hot path: XADD over one pipelined RESP connection.

redis-py's asyncio client spends ~90–115 µs of CPU on one XADD (connection pool, command packing, reply
parsing through asyncio streams): more than a whole bare HTTP request here, which made Redis the largest
cost of a webhook (bench/webhook_ingress.py). This speaks the few lines of RESP an XADD needs directly on an
`asyncio.Protocol`: the commands of one event-loop iteration go out in one write, and replies are matched to
callers in order (Redis answers a connection's commands in order), so concurrent webhooks share one
connection without waiting on each other.

It handles redis:// URLs (host, port, password, db). Anything else (TLS, unix sockets) returns None from
`for_url` and the bus publishes through redis-py instead. A lost connection fails the commands in flight
(the caller retries) and the next command reconnects.
"""

from __future__ import annotations

import asyncio
from collections import deque
from urllib.parse import unquote, urlsplit

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

REPLY_TIMEOUT_S = 5.0


def encode(*args: str | bytes | int) -> bytes:
    parts = [b"*%d\r\n" % len(args)]
    for arg in args:
        data = arg if isinstance(arg, bytes) else str(arg).encode()
        parts.append(b"$%d\r\n%s\r\n" % (len(data), data))
    return b"".join(parts)


class _Protocol(asyncio.Protocol):
    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.waiting: deque[asyncio.Future] = deque()
        self.buffer = bytearray()
        self.lost = False
        self.outgoing: list[bytes] = []  # commands of this loop iteration, written with one syscall

    def queue(self, data: bytes) -> None:
        if not self.outgoing:
            asyncio.get_running_loop().call_soon(self.flush)
        self.outgoing.append(data)

    def flush(self) -> None:
        data, self.outgoing = b"".join(self.outgoing), []
        if self.transport is not None and not self.lost:
            self.transport.write(data)

    def connection_made(self, transport) -> None:
        self.transport = transport

    def connection_lost(self, exc) -> None:
        self.lost = True
        while self.waiting:
            future = self.waiting.popleft()
            if not future.done():
                future.set_exception(RedisConnectionError(f"connection to Redis lost: {exc}"))

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while self.waiting:
            parsed = self._reply()
            if parsed is None:
                return
            future = self.waiting.popleft()
            if not future.done():
                if isinstance(parsed, ResponseError):
                    future.set_exception(parsed)
                else:
                    future.set_result(parsed)

    def _reply(self):
        """One complete simple/bulk/error/integer reply from the buffer, or None if it is not all here."""
        end = self.buffer.find(b"\r\n")
        if end < 0:
            return None
        kind, line = self.buffer[:1], bytes(self.buffer[1:end])
        if kind == b"$":
            length = int(line)
            if length < 0:
                del self.buffer[: end + 2]
                return ""
            if len(self.buffer) < end + 2 + length + 2:
                return None
            value = bytes(self.buffer[end + 2 : end + 2 + length]).decode()
            del self.buffer[: end + 2 + length + 2]
            return value
        del self.buffer[: end + 2]
        if kind == b"-":
            return ResponseError(line.decode(errors="replace"))
        return line.decode(errors="replace")  # +OK, :integer


def _send(protocol: _Protocol, *args: str | int) -> "asyncio.Future[str]":
    """Write one command now and return the future of its reply (replies arrive in order)."""
    future = asyncio.get_running_loop().create_future()
    protocol.waiting.append(future)
    protocol.queue(encode(*args))
    return future


class RespPublisher:
    def __init__(self, host: str, port: int, password: str | None, username: str | None, db: int) -> None:
        self._host, self._port = host, port
        self._auth = [username, password] if username else ([password] if password else [])
        self._db = db
        self._protocol: _Protocol | None = None
        self._connecting = asyncio.Lock()

    @classmethod
    def for_url(cls, url: str) -> "RespPublisher | None":
        parts = urlsplit(url)
        if parts.scheme != "redis" or not parts.hostname:
            return None
        path = parts.path.strip("/")
        if (path and not path.isdigit()) or parts.query:
            return None  # options we do not speak: let redis-py handle this URL
        return cls(parts.hostname, parts.port or 6379, unquote(parts.password) if parts.password else None,
                   unquote(parts.username) if parts.username else None, int(path or 0))

    async def xadd(self, stream: str, fields: dict[str, str], maxlen: int) -> str:
        args: list[str | int] = ["XADD", stream, "MAXLEN", "~", maxlen, "*"]
        for name, value in fields.items():
            args += [name, value]
        return await self._call(*args)

    async def _call(self, *args: str | int) -> str:
        try:
            # A cancelled future stays in the queue and its late reply is skipped, so order still matches.
            async with asyncio.timeout(REPLY_TIMEOUT_S):
                return await _send(await self._connection(), *args)
        except TimeoutError as exc:
            raise RedisTimeoutError(f"Redis did not answer within {REPLY_TIMEOUT_S} s") from exc

    async def _connection(self) -> _Protocol:
        if self._protocol is not None and not self._protocol.lost:
            return self._protocol
        async with self._connecting:
            if self._protocol is None or self._protocol.lost:
                loop = asyncio.get_running_loop()
                try:
                    _, protocol = await asyncio.wait_for(
                        loop.create_connection(_Protocol, self._host, self._port), timeout=2.0
                    )
                except (OSError, asyncio.TimeoutError) as exc:
                    raise RedisConnectionError(f"cannot connect to Redis: {exc}") from exc
                # Written before anything else can run, so no command overtakes AUTH or SELECT on the wire.
                setup = ([_send(protocol, "AUTH", *self._auth)] if self._auth else []) + (
                    [_send(protocol, "SELECT", self._db)] if self._db else []
                )
                self._protocol = protocol
                try:
                    await asyncio.gather(*setup)
                except Exception:
                    self._protocol = None
                    protocol.transport.close()
                    raise
        return self._protocol

    async def aclose(self) -> None:
        if self._protocol is not None and self._protocol.transport is not None:
            self._protocol.transport.close()
        self._protocol = None
