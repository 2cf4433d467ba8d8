"""The simulator page's side of the conversation: what each page learner sent and what the tutor sent back.

The tutor's messages arrive the way every simulator reply does, as POSTs from the simulator channel to its
callback URL, which for the page is this server (habla.web.simulator_page). They are kept here, in the API
process, per address and bounded, and handed to the page by long polling. Repeats of a chunk (a resend after
a worker crash carries the same idempotency key) are dropped, as the channel's contract asks of a receiver.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict, deque
from typing import Any

MAX_PER_ADDRESS = 300
MAX_ADDRESSES = 200
MAX_KEYS = 5000


class Inbox:
    def __init__(self) -> None:
        self._messages: OrderedDict[str, deque[dict[str, Any]]] = OrderedDict()
        self._seq = 0
        self._keys: OrderedDict[str, None] = OrderedDict()
        self._changed = asyncio.Condition()

    async def add(self, address: str, message: dict[str, Any], idempotency_key: str | None = None) -> bool:
        """Keep one message for ``address``; False when it repeats an idempotency key already kept."""
        async with self._changed:
            if idempotency_key:
                if idempotency_key in self._keys:
                    return False
                self._keys[idempotency_key] = None
                while len(self._keys) > MAX_KEYS:
                    self._keys.popitem(last=False)
            self._seq += 1
            box = self._messages.pop(address, None) or deque(maxlen=MAX_PER_ADDRESS)
            box.append({**message, "seq": self._seq, "at": time.time()})
            self._messages[address] = box  # most recently used last; the oldest conversation goes first
            while len(self._messages) > MAX_ADDRESSES:
                self._messages.popitem(last=False)
            self._changed.notify_all()
            return True

    def after(self, address: str, seq: int) -> list[dict[str, Any]]:
        return [m for m in self._messages.get(address, ()) if m["seq"] > seq]

    async def wait_after(self, address: str, seq: int, timeout_s: float) -> list[dict[str, Any]]:
        """Messages newer than ``seq``, waiting up to ``timeout_s`` for the first one (long polling)."""
        found = self.after(address, seq)
        if found or timeout_s <= 0:
            return found
        async with self._changed:
            try:
                await asyncio.wait_for(self._changed.wait_for(lambda: bool(self.after(address, seq))), timeout_s)
            except TimeoutError:
                return []
        return self.after(address, seq)
