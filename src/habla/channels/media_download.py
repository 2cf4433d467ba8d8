"""Reading a media download without trusting its size: both WhatsApp and Twilio hand us learner media."""

from __future__ import annotations

import httpx

from habla.errors import MediaTooLarge


async def read_limited(response: httpx.Response, limit: int) -> bytes:
    """The body of a streamed response, refused as soon as it is known to pass ``limit`` bytes: by its
    Content-Length when it declares one, and by counting when it does not (or lies)."""
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise MediaTooLarge(f"media is {declared} bytes, over the {limit}-byte limit")
    chunks, received = [], 0
    async for chunk in response.aiter_bytes():
        received += len(chunk)
        if received > limit:
            raise MediaTooLarge(f"media exceeded the {limit}-byte limit while downloading")
        chunks.append(chunk)
    return b"".join(chunks)
