"""The terminal as a learner's phone: `habla chat` prints what the tutor sends to this address."""

from __future__ import annotations

from typing import Callable


class ConsoleChannel:
    name = "console"
    hard_limit = None

    def __init__(self, write: Callable[[str], None]) -> None:
        self._write = write

    async def send_text(self, address: str, text: str, *, idempotency_key: str) -> None:
        self._write(text)

    async def aclose(self) -> None:
        return None
