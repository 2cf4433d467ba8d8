"""Usage counters are atomic across connection pools (as across processes): 50 charges at once from two
stores take exactly the places 1…50, and a message charged again straight after (a redelivery) keeps its place."""

from __future__ import annotations

import asyncio

from habla.storage.database import create_engine, migrate
from habla.storage.store import Store


async def test_fifty_concurrent_charges_from_two_pools_take_each_place_once(database_url):
    await migrate(database_url)
    store = Store(create_engine(database_url))
    learner = await store.learner("console", "edge")
    pools = [Store(create_engine(database_url)) for _ in range(2)]
    try:
        places = await asyncio.gather(
            *[pools[n % 2].charge(learner.id, f"console:m{n}", "free") for n in range(50)]
        )
        assert sorted(places) == list(range(1, 51))
        assert await pools[0].charge(learner.id, "console:next", "free") == 51
        assert await pools[1].charge(learner.id, "console:next", "free") == 51  # redelivered: not counted twice
        assert await pools[0].usage(learner.id, "free") == 51
        assert await pools[1].charge(learner.id, "console:m0", "day:2026-01-01") == 1  # another period, its own count
    finally:
        for pool in pools:
            await pool.engine.dispose()
        await store.aclose()
