"""Keyed digests: how a learner (or a provider message id) is named where their number must not be.

``hashed()`` names a learner in INFO logs, topic names and claim keys; ``digest()`` is the longer form that
dedupe keys are stored under. Both are HMAC-SHA256 with the server key, never a bare hash: a phone number
has so few possibilities that a plain SHA-256 of it is reversed by trying them all (issue 9 did it in 0.6 s).
Without the key, a digest cannot be recomputed from a guessed number.

Every process of a deployment must use the same key (a worker and the API name a learner alike, and the
dedupe claims one process writes are read by the others): ``services.build_services`` installs it once at
start-up, from ``HABLA_SERVER_KEY`` or the key the database keeps (storage/server_keys.py). This module
does no I/O. Before a key is installed (a unit test, a tool that built no services) a random key is made
for this process on first use: its digests are just as unforgeable, but no other process shares them.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

LOG_CHARS = 12  # enough to tell learners apart in a log; too short to rely on for uniqueness
KEY_CHARS = 32  # 128 bits: dedupe keys, where a collision would drop someone's message


class _ServerKey:
    """The one key of this process (a holder, so nothing is computed at import time)."""

    value: bytes | None = None


def install_server_key(key: bytes) -> None:
    if len(key) < 16:
        raise ValueError("the server key must be at least 16 bytes")
    _ServerKey.value = bytes(key)


def _key() -> bytes:
    if _ServerKey.value is None:
        _ServerKey.value = secrets.token_bytes(32)
    return _ServerKey.value


def digest(value: str, chars: int = KEY_CHARS) -> str:
    mac = hmac.new(_key(), value.encode("utf-8", "surrogatepass"), hashlib.sha256)
    return mac.hexdigest()[:chars]


def hashed(value: str) -> str:
    """A short stable name for a learner in INFO logs, without their phone number (keyed: not reversible)."""
    return digest(value, LOG_CHARS)
