"""Key names and the small Lua scripts that give one consumer exclusive, expiring ownership of a shard.

A lease is a plain key holding the owner's consumer name with a TTL of ``lease_ms``. Every change to it is a
compare-and-act Lua script, so a consumer whose lease already expired (and was taken) can never renew or
delete someone else's. Membership is a ZSET of heartbeats; its size decides each consumer's fair share.
Time comes from the Redis server (TIME), so clock skew between machines does not matter.
"""

from __future__ import annotations

from redis.asyncio import Redis

# Take a free shard, or keep one we already hold (a restarted process with a stable consumer name).
_ACQUIRE = """
local acquired = {}
local want = tonumber(ARGV[3])
for i, key in ipairs(KEYS) do
  if #acquired >= want then break end
  if redis.call('set', key, ARGV[1], 'NX', 'PX', ARGV[2]) then
    table.insert(acquired, i)
  elseif redis.call('get', key) == ARGV[1] then
    redis.call('pexpire', key, ARGV[2])
    table.insert(acquired, i)
  end
end
return acquired
"""

# Extend every lease that is still ours; 1/0 per key so the caller learns which ones it lost.
_RENEW = """
local result = {}
for i, key in ipairs(KEYS) do
  if redis.call('get', key) == ARGV[1] then
    redis.call('pexpire', key, ARGV[2])
    result[i] = 1
  else
    result[i] = 0
  end
end
return result
"""

_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""

# Before each delivery: prove we still own the shard (and extend it), then count the attempt durably.
# Returns -1 when the lease is gone, otherwise the attempt number of this delivery.
_BEGIN_ATTEMPT = """
if redis.call('get', KEYS[1]) ~= ARGV[1] then return -1 end
redis.call('pexpire', KEYS[1], ARGV[2])
return redis.call('hincrby', KEYS[2], ARGV[3], 1)
"""

# Heartbeat, prune the long-gone, and count members seen within one lease period: a member silent for
# that long has lost its leases anyway, so it should not hold back everyone else's share.
_HEARTBEAT = """
local t = redis.call('time')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local lease = tonumber(ARGV[2])
redis.call('zadd', KEYS[1], now, ARGV[1])
redis.call('zremrangebyscore', KEYS[1], '-inf', now - 3 * lease)
redis.call('pexpire', KEYS[1], 3 * lease)
return redis.call('zcount', KEYS[1], now - lease, '+inf')
"""


def message_id(shard: int, entry_id: str) -> str:
    """The bus-level id: stream ids are only unique within one shard's stream, so the shard is part of it."""
    return f"{shard}:{entry_id}"


class Keys:
    """Every key the Redis bus touches, under one namespace (so tests and tenants can share a server)."""

    def __init__(self, namespace: str) -> None:
        self.ns = namespace

    def stream(self, topic: str, shard: int) -> str:
        return f"{self.ns}:stream:{topic}:{shard}"

    def lease(self, group: str, topic: str, shard: int) -> str:
        return f"{self.ns}:lease:{group}:{topic}:{shard}"

    def members(self, group: str, topic: str) -> str:
        return f"{self.ns}:members:{group}:{topic}"

    def attempts(self, group: str, topic: str) -> str:
        return f"{self.ns}:attempts:{group}:{topic}"

    def dead(self, topic: str) -> str:
        return f"{self.ns}:dead:{topic}"


class ShardLeases:
    """Lease operations for one (group, topic) as seen by one consumer."""

    def __init__(self, redis: Redis, keys: Keys, group: str, topic: str, me: str, lease_ms: int) -> None:
        self._redis = redis
        self._keys = keys
        self._group = group
        self._topic = topic
        self.me = me
        self.lease_ms = max(int(lease_ms), 10)
        self._acquire = redis.register_script(_ACQUIRE)
        self._renew = redis.register_script(_RENEW)
        self._release = redis.register_script(_RELEASE)
        self._begin = redis.register_script(_BEGIN_ATTEMPT)
        self._heartbeat = redis.register_script(_HEARTBEAT)

    def key(self, shard: int) -> str:
        return self._keys.lease(self._group, self._topic, shard)

    async def heartbeat(self) -> int:
        """Record that we are alive; returns how many consumers are live (including us)."""
        live = await self._heartbeat(keys=[self._keys.members(self._group, self._topic)],
                                     args=[self.me, self.lease_ms])
        return max(int(live), 1)

    async def leave(self) -> None:
        await self._redis.zrem(self._keys.members(self._group, self._topic), self.me)

    async def acquire(self, candidates: list[int], want: int) -> list[int]:
        """Try the candidate shards in order; returns those now ours (at most ``want``)."""
        if want <= 0 or not candidates:
            return []
        got = await self._acquire(keys=[self.key(s) for s in candidates], args=[self.me, self.lease_ms, want])
        return [candidates[int(i) - 1] for i in got]

    async def renew(self, shards: list[int]) -> dict[int, bool]:
        if not shards:
            return {}
        result = await self._renew(keys=[self.key(s) for s in shards], args=[self.me, self.lease_ms])
        return {shard: bool(int(ok)) for shard, ok in zip(shards, result)}

    async def release(self, shard: int) -> None:
        await self._release(keys=[self.key(shard)], args=[self.me])

    async def begin_attempt(self, shard: int, msg_id: str) -> int:
        """-1 if the shard is no longer ours; else this delivery's attempt number (persisted)."""
        attempts_key = self._keys.attempts(self._group, self._topic)
        return int(await self._begin(keys=[self.key(shard), attempts_key], args=[self.me, self.lease_ms, msg_id]))
