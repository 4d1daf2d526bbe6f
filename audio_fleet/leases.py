"""Shard-group leases in Redis: which fleet task owns which shard group, fenced.

A task owns group ``g`` while the key ``{prefix}lease:{g}`` holds ``"{owner}|{token}"``:

- **acquire** is one Lua script: ``SET NX PX`` on the lease key, and only if that took, ``INCR`` of
  the group's fencing counter; the new token is returned. Tokens only ever grow, so a later holder
  always has a larger token than any earlier one.
- **renew** extends the expiry only if the key still holds *our* value (compare-and-extend);
  **release** deletes it only if it does (compare-and-delete). A lease that expired, or was taken by
  another task since, is neither extended nor deleted: the caller learns it lost the group.
- **fenced writes** (:meth:`LeaseStore.fenced_set`, :meth:`LeaseStore.fenced_delete`,
  :meth:`LeaseStore.holds`) check the lease value, token included, inside the same Lua script as
  the write. A task that lost its lease while paused (GC, a stalled event loop) and wakes up still
  believing it owns the group cannot overwrite the new owner's state.

Live tasks heartbeat into a sorted set scored by expiry (Redis server time, so task clocks do not
matter); :meth:`LeaseStore.live_tasks` is how many heartbeats are fresh, which sets the fair share.

All keys of one deployment share a prefix. The scripts touch keys of one prefix only, which is fine
on a single Redis (ElastiCache non-cluster mode); on a Redis cluster the prefix would need a hash tag.
Every Redis failure raises :class:`~encore.redis_client.RedisUnavailableError`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from encore.redis_client import translate_redis_errors

if TYPE_CHECKING:
    from redis.asyncio import Redis
    from redis.commands.core import AsyncScript

__all__ = ["DEFAULT_PREFIX", "Lease", "LeaseStore"]

DEFAULT_PREFIX: Final = "encore:fleet:"

_ACQUIRE: Final = """
if redis.call('EXISTS', KEYS[1]) == 1 then return false end
local token = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], ARGV[1] .. '|' .. token, 'NX', 'PX', ARGV[2])
return token
"""
_RENEW: Final = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
"""
_RELEASE: Final = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""
_HOLDS: Final = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return 1 end
return 0
"""
_FENCED_SET: Final = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[2], ARGV[2], 'EX', ARGV[3])
return 1
"""
_FENCED_DELETE: Final = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[2])
return 1
"""
_HEARTBEAT: Final = """
local now = redis.call('TIME')
local now_ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now_ms)
redis.call('ZADD', KEYS[1], now_ms + tonumber(ARGV[2]), ARGV[1])
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[2]) then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return redis.call('ZCARD', KEYS[1])
"""
_LIVE: Final = """
local now = redis.call('TIME')
local now_ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now_ms)
return redis.call('ZCARD', KEYS[1])
"""


@dataclass(frozen=True, slots=True)
class Lease:
    """A held lease: ``owner`` (the task id) holds ``group`` with fencing ``token``."""

    group: int
    owner: str
    token: int

    @property
    def value(self) -> str:
        """What the lease key holds while this lease is current."""
        return f"{self.owner}|{self.token}"


class LeaseStore:
    """Leases, fencing and task heartbeats of one deployment, in Redis under ``prefix``."""

    def __init__(self, redis: Redis, prefix: str = DEFAULT_PREFIX) -> None:
        if "|" in prefix:
            raise ValueError("the prefix must not contain '|'")
        self._redis = redis
        self._prefix = prefix
        self._scripts: dict[str, AsyncScript] = {}

    def lease_key(self, group: int) -> str:
        return f"{self._prefix}lease:{group}"

    def _token_key(self, group: int) -> str:
        return f"{self._prefix}lease-token:{group}"

    @property
    def _tasks_key(self) -> str:
        return f"{self._prefix}tasks"

    async def _eval(self, action: str, script: str, keys: list[str], args: list[str | int]) -> object:
        """Run a Lua script by its SHA (``EVALSHA``; redis-py loads it again after a restart)."""
        registered = self._scripts.get(script)
        if registered is None:
            registered = self._scripts[script] = self._redis.register_script(script)
        with translate_redis_errors(action):
            return await registered(keys=keys, args=args)

    async def acquire(self, group: int, owner: str, ttl_ms: int) -> Lease | None:
        """Take ``group`` for ``ttl_ms`` if nobody holds it; None when someone does."""
        if "|" in owner:
            raise ValueError("an owner id must not contain '|'")
        token = await self._eval(
            "lease acquire", _ACQUIRE, [self.lease_key(group), self._token_key(group)], [owner, ttl_ms]
        )
        return None if token is None else Lease(group, owner, int(str(token)))

    async def renew(self, lease: Lease, ttl_ms: int) -> bool:
        """Extend ``lease`` to ``ttl_ms`` from now; False if it is no longer ours (lost)."""
        done = await self._eval("lease renew", _RENEW, [self.lease_key(lease.group)], [lease.value, ttl_ms])
        return done == 1

    async def release(self, lease: Lease) -> bool:
        """Give ``lease`` up; False if it was no longer ours anyway."""
        done = await self._eval("lease release", _RELEASE, [self.lease_key(lease.group)], [lease.value])
        return done == 1

    async def holds(self, lease: Lease) -> bool:
        """True while ``lease`` (its token included) is the group's current lease."""
        return await self._eval("lease check", _HOLDS, [self.lease_key(lease.group)], [lease.value]) == 1

    async def holder(self, group: int) -> str | None:
        """The current holder's owner id, or None when the group is free."""
        with translate_redis_errors("lease read"):
            raw: bytes | str | None = await self._redis.get(self.lease_key(group))
        return None if raw is None else _owner(raw)

    async def holders(self, group_count: int) -> list[str | None]:
        """The holder of each group ``0..group_count-1`` (None when free), in one ``MGET``."""
        if group_count <= 0:
            return []
        with translate_redis_errors("lease read"):
            raws: list[bytes | str | None] = await self._redis.mget(
                [self.lease_key(g) for g in range(group_count)]
            )
        return [None if raw is None else _owner(raw) for raw in raws]

    async def fenced_set(self, lease: Lease, key: str, value: str, ttl_s: int) -> bool:
        """``SET key value EX ttl_s`` only while ``lease`` is current; False (nothing written) if not."""
        done = await self._eval(
            "fenced write", _FENCED_SET, [self.lease_key(lease.group), key], [lease.value, value, ttl_s]
        )
        return done == 1

    async def fenced_delete(self, lease: Lease, key: str) -> bool:
        """``DEL key`` only while ``lease`` is current; False (nothing deleted) if not."""
        done = await self._eval(
            "fenced delete", _FENCED_DELETE, [self.lease_key(lease.group), key], [lease.value]
        )
        return done == 1

    async def heartbeat(self, task_id: str, ttl_ms: int) -> int:
        """Say ``task_id`` is alive for ``ttl_ms``; returns how many tasks are alive now."""
        live = await self._eval("task heartbeat", _HEARTBEAT, [self._tasks_key], [task_id, ttl_ms])
        return int(str(live))

    async def leave(self, task_id: str) -> None:
        """Stop counting ``task_id`` as alive (it is shutting down)."""
        with translate_redis_errors("task leave"):
            await self._redis.zrem(self._tasks_key, task_id)

    async def live_tasks(self) -> int:
        """How many tasks have a fresh heartbeat."""
        return int(str(await self._eval("task count", _LIVE, [self._tasks_key], [])))


def _owner(raw: bytes | str) -> str:
    text = raw.decode() if isinstance(raw, bytes) else raw
    return text.rpartition("|")[0]
