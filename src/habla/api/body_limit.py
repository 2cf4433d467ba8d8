"""Reading a webhook body without trusting its size, before anything is authenticated.

Every webhook reads its body before it can check a signature (the signature covers the raw bytes), so an
unauthenticated sender decides how much we buffer. A real provider event is a few KB; a body that declares
more than the cap is refused from its Content-Length, and one that declares nothing (chunked) or lies is
cut off while it is read, so memory never grows past the cap whatever arrives.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse

MAX_WEBHOOK_BYTES = 256 * 1024  # Meta batches up to ~1,000 events in a body, still well under this


class BodyTooLarge(Exception):
    """The body passed the cap (declared or while reading)."""


async def read_capped(request: Request, limit: int = MAX_WEBHOOK_BYTES) -> bytes:
    """The raw body, or BodyTooLarge as soon as it is known to pass ``limit`` bytes."""
    declared = request.headers.get("content-length", "").strip()
    if declared and (not declared.isdigit() or int(declared) > limit):
        raise BodyTooLarge(f"body over {limit} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise BodyTooLarge(f"body over {limit} bytes")
    return bytes(body)


def too_large(limit: int = MAX_WEBHOOK_BYTES) -> JSONResponse:
    return JSONResponse({"error": f"body over {limit} bytes"}, 413)
