"""Where the per-learner token buckets live: Redis (one atomic script, shared by every worker, so a text
flood and a voice flood from one learner drain one bucket) or this process (the embedded default).

The maths is ``domain.fair_use.take``; the Lua script is the same computation, run inside Redis so two
workers never both spend the last token (``tests/billing/test_flood.py`` checks they agree).
"""

from __future__ import annotations

from habla.domain.fair_use import Bucket, Flood, take

# KEYS[1] bucket hash; ARGV now, burst, interval. Fields: f = full_at, w = warned.
_TAKE = """
local full_at = tonumber(redis.call('HGET', KEYS[1], 'f') or '0')
local warned = redis.call('HGET', KEYS[1], 'w') == '1'
local now, burst, interval = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local tat = math.max(full_at, now)
if tat + interval - now <= burst * interval + 1e-9 then
  redis.call('HSET', KEYS[1], 'f', string.format('%.6f', tat + interval), 'w', '0')
  redis.call('EXPIRE', KEYS[1], math.ceil(tat + interval - now) + 1)
  return 'pass'
end
if warned then return 'drop' end
redis.call('HSET', KEYS[1], 'w', '1')
return 'slow_down'
"""

MAX_LOCAL_BUCKETS = 100_000


class FloodBudget:
    def __init__(self, redis_url: str | None, namespace: str, burst: int, per_second: float) -> None:
        self.burst, self.per_second = burst, per_second
        self._prefix = f"{namespace}:flood:"
        self._redis = self._script = None
        self._local: dict[str, Bucket] = {}
        if redis_url:
            import redis.asyncio as redis

            self._redis = redis.from_url(redis_url)
            self._script = self._redis.register_script(_TAKE)

    async def take(self, learner_id: str, now: float) -> Flood:
        if self._script is not None:
            answer = await self._script(keys=[self._prefix + learner_id], args=[f"{now:.6f}", self.burst, 1.0 / self.per_second])
            return Flood(answer.decode() if isinstance(answer, bytes) else answer)
        verdict, bucket = take(self._local.get(learner_id, Bucket()), now, self.burst, self.per_second)
        self._local[learner_id] = bucket
        if len(self._local) > MAX_LOCAL_BUCKETS:  # forget full buckets: they are the same as no bucket
            self._local = {key: value for key, value in self._local.items() if value.full_at > now or value.warned}
        return verdict

    async def aclose(self) -> None:
        if self._redis is not None:
            await self._redis.aclose()
