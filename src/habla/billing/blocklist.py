"""The blocklist as the agents read it: the whole set in memory, re-read every ``HABLA_BILLING__BLOCKLIST_REFRESH_S``.

It is small and read on every message, so a database read per message (most of what the gate cost with
billing off, bench/billing.py) buys nothing: `habla admin block` takes effect within the refresh interval in
every process, and at once in the process that blocked.
"""

from __future__ import annotations

import time

from habla.storage.store import Store


class Blocklist:
    def __init__(self, store: Store, refresh_s: float) -> None:
        self._store = store
        self._refresh_s = refresh_s
        self._addresses: set[str] = set()
        self._loaded_at: float | None = None

    async def contains(self, address: str) -> bool:
        now = time.monotonic()
        if self._loaded_at is None or now - self._loaded_at >= self._refresh_s:
            self._addresses = await self._store.blocked_set()
            self._loaded_at = now
        return address in self._addresses

    async def block(self, address: str) -> bool:
        added = await self._store.block_address(address)
        self._addresses.add(address)
        return added

    async def unblock(self, address: str) -> bool:
        removed = await self._store.unblock_address(address)
        self._addresses.discard(address)
        return removed
