"""The Redis copy of a plan: invalidation wins over a gate that read the old row just before the change."""

from __future__ import annotations

from habla.billing.cache import PlanCache
from habla.storage.billing import Account
from habla_testkit.backends import clear_namespace


async def test_a_stale_copy_written_after_invalidation_is_never_trusted(redis_url, namespace):
    cache = PlanCache(redis_url, namespace, ttl_s=300)
    try:
        assert await cache.get("l1") == (None, 0)
        _, generation = await cache.get("l1")  # a gate reads the generation, then the (old) row …
        await cache.invalidate("l1")  # … the webhook commits "active" and invalidates …
        await cache.put("l1", Account("free"), generation)  # … and the gate writes its stale copy back
        assert (await cache.get("l1"))[0] is None  # ignored: the next read goes to the database
        _, generation = await cache.get("l1")
        await cache.put("l1", Account("active", "activated"), generation)
        assert (await cache.get("l1"))[0] == Account("active", "activated")
    finally:
        await cache.aclose()
        await clear_namespace(redis_url, namespace)
