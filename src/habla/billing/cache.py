"""A copy of each learner's plan in Redis, so the gate reads no database row per message in production.

A plain delete-on-change cache has a race: a gate that read the old row just before the webhook committed
can write it back just after the webhook deleted the copy, and the stale plan would live for the whole TTL
(a learner who just paid, told their free messages are used up). So each learner has a generation counter:
the webhook (and the gate, after clearing a notice) bumps it; a copy is written with the generation read
*before* the database read, and is only trusted while it matches. One MGET per message either way.

Without Redis there is no copy: the embedded default reads its SQLite row.
"""

from __future__ import annotations

import json

from habla.storage.billing import Account


class PlanCache:
    def __init__(self, redis_url: str | None, namespace: str, ttl_s: int) -> None:
        self._redis = None
        if redis_url:
            import redis.asyncio as redis

            self._redis = redis.from_url(redis_url)
        self._plan = f"{namespace}:billing:plan:"
        self._generation = f"{namespace}:billing:plan-gen:"
        self._ttl = ttl_s

    async def get(self, learner_id: str) -> tuple[Account | None, int]:
        """(the cached plan if still valid, the generation to write a fresh copy with)."""
        if self._redis is None:
            return None, 0
        generation, raw = await self._redis.mget(self._generation + learner_id, self._plan + learner_id)
        generation = int(generation or 0)
        if raw:
            cached = json.loads(raw)
            if cached.pop("generation", None) == generation:
                return Account(**cached), generation
        return None, generation

    async def put(self, learner_id: str, account: Account, generation: int) -> None:
        if self._redis is not None:
            value = json.dumps({"status": account.status, "notice": account.notice, "generation": generation})
            await self._redis.set(self._plan + learner_id, value, ex=self._ttl)

    async def invalidate(self, *learner_ids: str) -> None:
        if self._redis is None or not learner_ids:
            return
        async with self._redis.pipeline(transaction=False) as pipe:
            for learner_id in learner_ids:
                pipe.incr(self._generation + learner_id)
                # outlives every copy written under an older generation, so none can match again
                pipe.expire(self._generation + learner_id, 2 * self._ttl + 60)
            await pipe.execute()

    async def aclose(self) -> None:
        if self._redis is not None:
            await self._redis.aclose()
