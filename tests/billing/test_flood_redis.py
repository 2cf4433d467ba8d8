"""The flood budget in Redis (one Lua script shared by every worker) makes the same decisions as the pure
maths, and two processes draining one bucket at once never spend more than it holds."""

from __future__ import annotations

import asyncio
import random

from habla.billing.flood import FloodBudget
from habla.domain.fair_use import Bucket, take
from habla_testkit.backends import clear_namespace


async def test_redis_script_agrees_with_the_pure_bucket(redis_url, namespace):
    budget = FloodBudget(redis_url, namespace, burst=4, per_second=0.5)
    rng = random.Random(13)
    bucket, now = Bucket(), 1_700_000_000.0
    try:
        for _ in range(300):
            now += rng.choice([0.0, 0.0, 0.3, 1.0, 2.0, 2.5, 7.0])
            expected, bucket = take(bucket, now, 4, 0.5)
            assert await budget.take("learner-a", now) == expected
    finally:
        await budget.aclose()
        await clear_namespace(redis_url, namespace)


async def test_two_workers_never_overspend_one_bucket(redis_url, namespace):
    workers = [FloodBudget(redis_url, namespace, burst=20, per_second=1.0) for _ in range(2)]
    try:
        verdicts = await asyncio.gather(*[workers[n % 2].take("learner-b", 1_700_000_000.0) for n in range(60)])
        assert sum(v == "pass" for v in verdicts) == 20 and sum(v == "slow_down" for v in verdicts) == 1
    finally:
        for budget in workers:
            await budget.aclose()
        await clear_namespace(redis_url, namespace)
