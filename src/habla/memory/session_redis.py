"""The session store on Redis: one hash and one list per learner, both with the session TTL.

    {ns}:session:{learner id}        HASH  seq, last_at, topic, summary, summary_upto, errors (JSON), pending…
    {ns}:session:{learner id}:log    LIST  the last ``max_messages`` messages, JSON {"s", "r", "t", "a"}

Every write is one Lua script (atomic, one round trip) that also refreshes both TTLs; a load is one
pipelined HGETALL + LRANGE. A session of 20 messages holds a few kilobytes (bench/memory.py measures it).
"""

from __future__ import annotations

import functools
import json

from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from habla.errors import StorageError

from habla.memory.session import MAX_SESSION_ERRORS, UPDATABLE, SessionMessage, SessionState

_RECORD = """
local previous = redis.call('hget', KEYS[1], 'last_at')
local seq = tonumber(redis.call('hget', KEYS[1], 'seq') or '1')
local count = tonumber(ARGV[4])
for i = 0, count - 1 do
  local entry = cjson.encode({s = seq, r = ARGV[6 + 2 * i], t = ARGV[7 + 2 * i], a = tonumber(ARGV[1])})
  redis.call('rpush', KEYS[2], entry)
  seq = seq + 1
end
redis.call('ltrim', KEYS[2], -tonumber(ARGV[3]), -1)
local errors = cjson.decode(redis.call('hget', KEYS[1], 'errors') or '[]')
local new_errors = cjson.decode(ARGV[5])
for _, e in ipairs(new_errors) do table.insert(errors, e) end
while #errors > tonumber(ARGV[6 + 2 * count]) do table.remove(errors, 1) end
local encoded = '[]'
if #errors > 0 then encoded = cjson.encode(errors) end
redis.call('hset', KEYS[1], 'seq', seq, 'last_at', ARGV[1], 'errors', encoded)
redis.call('expire', KEYS[1], ARGV[2])
if redis.call('exists', KEYS[2]) == 1 then redis.call('expire', KEYS[2], ARGV[2]) end
return previous
"""

_UPDATE = """
if redis.call('exists', KEYS[1]) == 0 then return 0 end
for i = 1, #ARGV, 2 do
  if ARGV[i + 1] == '' then redis.call('hdel', KEYS[1], ARGV[i]) else redis.call('hset', KEYS[1], ARGV[i], ARGV[i + 1]) end
end
return 1
"""


def _redis_outage_is_storage_error(method):
    """Redis unreachable → StorageError, here and only here, so agents catch Habla's errors, not redis-py's."""

    @functools.wraps(method)
    async def translated(self, *args, **kwargs):
        try:
            return await method(self, *args, **kwargs)
        except (RedisConnectionError, RedisTimeoutError, OSError) as exc:
            raise StorageError(f"session store unavailable: {type(exc).__name__}") from exc

    return translated


class RedisSessionStore:
    def __init__(self, url: str, namespace: str, max_messages: int = 20, ttl_s: int = 24 * 3600) -> None:
        self._redis = Redis.from_url(url, decode_responses=True, socket_connect_timeout=2.0, socket_timeout=5.0)
        self._ns = namespace
        self._max = max_messages
        self._ttl = int(ttl_s)
        self._record = self._redis.register_script(_RECORD)
        self._update = self._redis.register_script(_UPDATE)

    @property
    def redis(self) -> Redis:
        """The client, for tests and benchmarks that inspect the raw keys."""
        return self._redis

    def keys(self, learner_id: str) -> tuple[str, str]:
        base = f"{self._ns}:session:{learner_id}"
        return base, f"{base}:log"

    @_redis_outage_is_storage_error
    async def load(self, learner_id: str) -> SessionState:
        meta_key, log_key = self.keys(learner_id)
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.hgetall(meta_key)
            pipe.lrange(log_key, 0, -1)
            meta, log = await pipe.execute()
        if not meta:
            return SessionState()
        messages = [SessionMessage(seq=m["s"], role=m["r"], text=m["t"], at=m["a"]) for m in map(json.loads, log)]
        return SessionState(
            messages=messages,
            topic=meta.get("topic") or None,
            errors=json.loads(meta.get("errors") or "[]"),
            summary=meta.get("summary", ""),
            summary_upto=int(meta.get("summary_upto") or 0),
            last_at=float(meta["last_at"]) if meta.get("last_at") else None,
            pending=meta.get("pending") or None,
            pending_until=float(meta.get("pending_until") or 0),
            memory_retry_at=int(meta.get("memory_retry_at") or 0),
        )

    @_redis_outage_is_storage_error
    async def record(self, learner_id: str, messages: list[tuple[str, str]], errors: list[str], now: float) -> float | None:
        args: list[object] = [repr(now), self._ttl, self._max, len(messages), json.dumps(errors, ensure_ascii=False)]
        for role, text in messages:
            args.extend([role, text])
        args.append(MAX_SESSION_ERRORS)
        previous = await self._record(keys=list(self.keys(learner_id)), args=args)
        return float(previous) if previous else None

    @_redis_outage_is_storage_error
    async def update(self, learner_id: str, **fields: object) -> bool:
        unknown = set(fields) - UPDATABLE
        if unknown:
            raise ValueError(f"not updatable: {sorted(unknown)}")
        args: list[object] = []
        for name, value in fields.items():
            args.extend([name, "" if value is None else str(value)])
        return bool(await self._update(keys=[self.keys(learner_id)[0]], args=args))

    @_redis_outage_is_storage_error
    async def clear(self, learner_id: str) -> None:
        await self._redis.delete(*self.keys(learner_id))

    async def memory_usage(self, learner_id: str) -> int:
        """Bytes Redis holds for this session (MEMORY USAGE of both keys): for bench/memory.py."""
        total = 0
        for key in self.keys(learner_id):
            total += int(await self._redis.memory_usage(key, samples=0) or 0)
        return total

    async def aclose(self) -> None:
        await self._redis.aclose()
