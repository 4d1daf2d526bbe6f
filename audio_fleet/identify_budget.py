"""Discord's identify limits, shared by every fleet task through Redis.

Discord allows ``max_concurrency`` IDENTIFYs per 5 seconds (shard ``s`` is in bucket
``s % max_concurrency``) and 1,000 per 24 hours across all shards of the bot, after which it resets
the token. discord.py only spaces identifies within one client (``before_identify_hook`` sleeps
5 s before each but the first) and ignores ``session_start_limit`` when the shard count is given;
several tasks starting groups at once, or one crash-looping, would go over. So:

- :class:`IdentifyGate` takes a bucket slot in Redis (``SET NX PX window``) before each identify:
  at most one identify per bucket per window across the whole fleet.
- :class:`IdentifyBudget` counts identifies in a 24-hour window in Redis. A task refuses to start a
  group when fewer than ``shards + reserve`` remain, and backs off exponentially
  (:func:`backoff_delay`) before trying again; the ``IdentifyBudgetRemaining`` metric alarms.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Final

from encore.metrics import MetricsSink
from encore.redis_client import translate_redis_errors

if TYPE_CHECKING:
    from redis.asyncio import Redis

__all__ = ["DAILY_IDENTIFIES", "IdentifyBudget", "IdentifyGate", "IdentifyLimits", "backoff_delay"]

#: Discord's default session start limit per 24 hours.
DAILY_IDENTIFIES: Final = 1000
_DAY_S: Final = 86_400

_RECORD: Final = """
local used = redis.call('INCRBY', KEYS[1], ARGV[1])
if redis.call('TTL', KEYS[1]) < 0 then redis.call('EXPIRE', KEYS[1], ARGV[2]) end
return used
"""


def backoff_delay(attempt: int, base_s: float = 5.0, cap_s: float = 900.0) -> float:
    """``base_s * 2**attempt``, capped at ``cap_s`` (attempt 0 waits ``base_s``)."""
    if attempt < 0:
        raise ValueError("attempt must not be negative")
    if attempt >= 64:
        return cap_s
    return float(min(cap_s, base_s * (2**attempt)))


class IdentifyBudget:
    """Identifies used in the current 24-hour window (which starts at its first identify)."""

    def __init__(
        self, redis: Redis, prefix: str, *, total: int = DAILY_IDENTIFIES, reserve: int = 50
    ) -> None:
        self._redis = redis
        self._key = f"{prefix}identifies"
        self.total = total
        self.reserve = reserve

    async def record(self, count: int = 1) -> int:
        """Count ``count`` identifies; returns how many remain in the window."""
        with translate_redis_errors("identify count"):
            used = await self._redis.eval(_RECORD, 1, self._key, count, _DAY_S)
        return max(0, self.total - int(str(used)))

    async def remaining(self) -> int:
        with translate_redis_errors("identify count"):
            used: bytes | str | None = await self._redis.get(self._key)
        return max(0, self.total - (0 if used is None else int(used)))

    async def allows(self, shards: int, discord_remaining: int | None = None) -> bool:
        """True when starting ``shards`` shards leaves at least ``reserve`` identifies.

        ``discord_remaining`` is ``session_start_limit.remaining`` from ``GET /gateway/bot`` when
        known: the stricter of the two counts wins.
        """
        left = await self.remaining()
        if discord_remaining is not None:
            left = min(left, discord_remaining)
        return left - shards >= self.reserve


class IdentifyGate:
    """One identify per ``max_concurrency`` bucket per ``window_s``, fleet-wide."""

    def __init__(self, redis: Redis, prefix: str, *, max_concurrency: int = 1, window_s: float = 5.0) -> None:
        if max_concurrency < 1:
            raise ValueError("max_concurrency must be at least 1")
        self._redis = redis
        self._prefix = prefix
        self.max_concurrency = max_concurrency
        self.window_s = window_s

    async def wait_turn(self, shard_id: int, poll_s: float = 0.1) -> None:
        """Return once this shard's bucket slot is ours (it frees itself after ``window_s``)."""
        key = f"{self._prefix}identify-bucket:{shard_id % self.max_concurrency}"
        window_ms = max(1, int(self.window_s * 1000))
        while True:
            with translate_redis_errors("identify gate"):
                taken = await self._redis.set(key, str(shard_id), nx=True, px=window_ms)
            if taken:
                return
            await asyncio.sleep(poll_s)


class IdentifyLimits:
    """What a fleet client does before each IDENTIFY: wait for its bucket, count it, report it."""

    def __init__(self, gate: IdentifyGate, budget: IdentifyBudget, metrics: MetricsSink) -> None:
        self.gate = gate
        self.budget = budget
        self._metrics = metrics

    async def before_identify(self, shard_id: int) -> None:
        await self.gate.wait_turn(shard_id)
        remaining = await self.budget.record()
        self._metrics.emit("Identifies", 1)
        self._metrics.emit("IdentifyBudgetRemaining", remaining)
