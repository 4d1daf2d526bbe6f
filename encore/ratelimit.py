"""Rate limits per user and per guild: a token bucket, shared through Redis or kept in-process.

A bucket holds up to ``capacity`` tokens and gains ``refill_per_second`` tokens per second; a
command takes ``cost`` tokens or is denied with the time after which it would succeed. The caller
picks the key and the limit (per tier), e.g.
``hit(f"user:{user_id}", RateLimit.per(tier.user_commands_per_minute, 60))`` and the same for
``f"guild:{guild_id}"`` with ``tier.guild_commands_per_minute``.

* :func:`bucket_after` is the algorithm, as a pure function.
* :class:`RedisTokenBucket` runs the same algorithm in one Lua script, so every Lambda container
  and fleet task shares one bucket per key and concurrent hits never grant more than the bucket
  holds. It reads the clock with Redis ``TIME``: containers' clocks may disagree, Redis' is one.
* :class:`LocalTokenBucket` keeps buckets in this process (least recently used evicted beyond
  ``max_keys``): the embedded default, and the fallback.
* :class:`FallbackRateLimiter` uses Redis and answers from the local buckets while Redis is down;
  it never raises on an outage, so rate limiting can never fail an interaction's ACK. During an
  outage each process enforces the limit on its own (looser overall, never stricter).

A bucket nobody hits refills to full and is then indistinguishable from a new one, so forgetting it
is safe: Redis keys expire just after the time to refill fully, and evicted local buckets restart
full.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Protocol

from encore.redis_client import RedisWithFallback, translate_redis_errors

if TYPE_CHECKING:
    from redis.asyncio import Redis
    from redis.commands.core import AsyncScript

__all__ = [
    "Decision",
    "FallbackRateLimiter",
    "LocalTokenBucket",
    "RateLimit",
    "RateLimiter",
    "RedisTokenBucket",
    "bucket_after",
]

#: Float slack when comparing tokens, so a caller that waited exactly retry_after is let in.
_EPSILON: Final = 1e-9
#: Redis keeps a bucket at most this long after its last hit (limits slower than this to refill
#: fully forget a partly drained bucket after a week of silence).
_MAX_TTL_MS: Final = 7 * 24 * 3600 * 1000
#: Kept after the time to refill fully, so a key never expires while its bucket is not yet full.
_TTL_MARGIN_MS: Final = 1000


@dataclass(frozen=True, slots=True)
class RateLimit:
    """Up to ``capacity`` hits at once, then ``refill_per_second`` more each second."""

    capacity: int
    refill_per_second: float

    def __post_init__(self) -> None:
        if self.capacity < 1:
            raise ValueError(f"capacity must be at least 1, not {self.capacity}")
        if not (self.refill_per_second > 0 and math.isfinite(self.refill_per_second)):
            raise ValueError(f"refill_per_second must be positive and finite, not {self.refill_per_second}")

    @classmethod
    def per(cls, count: int, seconds: float) -> RateLimit:
        """``count`` hits per ``seconds``, all at once if need be: ``RateLimit.per(20, 60)``."""
        return cls(capacity=count, refill_per_second=count / seconds)


@dataclass(frozen=True, slots=True)
class Decision:
    """Whether a hit is allowed; if not, how many seconds (ms precision) until it would be."""

    allowed: bool
    retry_after_s: float


class RateLimiter(Protocol):
    """Takes ``cost`` tokens from the bucket named ``key`` under ``limit``."""

    async def hit(self, key: str, limit: RateLimit, cost: int = 1) -> Decision:
        """Allowed (tokens taken) or denied (nothing taken) with the time to wait."""
        ...


def _check_cost(limit: RateLimit, cost: int) -> None:
    if not 1 <= cost <= limit.capacity:
        raise ValueError(f"cost must be between 1 and the capacity ({limit.capacity}), not {cost}")


def bucket_after(
    tokens: float, last_ms: int, now_ms: int, limit: RateLimit, cost: int = 1
) -> tuple[bool, float, float]:
    """One hit on a bucket that held ``tokens`` at ``last_ms``: ``(allowed, tokens, retry_after_s)``.

    The bucket first refills by the time elapsed (none if the clock went backwards), capped at the
    capacity. If it holds ``cost`` tokens they are taken; otherwise nothing is taken and
    ``retry_after_s`` (rounded up to the millisecond, at least 1 ms) is how long until it would.
    The returned tokens belong to ``now_ms``. A new bucket is ``tokens=capacity, last_ms=now_ms``.
    ``cost`` must be between 1 and the capacity (ValueError otherwise).

    :class:`RedisTokenBucket`'s Lua script is the same computation; keep the two in step.
    """
    _check_cost(limit, cost)
    elapsed_ms = max(0, now_ms - last_ms)
    tokens = min(float(limit.capacity), max(0.0, tokens) + elapsed_ms * limit.refill_per_second / 1000)
    if tokens >= cost - _EPSILON:
        return True, max(0.0, tokens - cost), 0.0
    retry_ms = max(1, math.ceil((cost - tokens) * 1000 / limit.refill_per_second - _EPSILON))
    return False, tokens, retry_ms / 1000


# KEYS[1] = the bucket (a hash: t = tokens, ms = Redis time of the last hit, in ms).
# ARGV = capacity, refill per second, cost. Returns {allowed (0/1), retry after (ms)}.
# Mirrors bucket_after(); numbers leave Lua as integers, hence milliseconds.
_TOKEN_BUCKET_LUA: Final = f"""
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 't', 'ms')
local tokens = tonumber(state[1])
local last = tonumber(state[2])
if tokens == nil or last == nil then
  tokens = capacity
  last = now
end
tokens = math.min(capacity, math.max(0, tokens) + math.max(0, now - last) * rate / 1000)
local allowed = 0
local retry_ms = 0
if tokens >= cost - {_EPSILON!r} then
  allowed = 1
  tokens = math.max(0, tokens - cost)
else
  retry_ms = math.max(1, math.ceil((cost - tokens) * 1000 / rate - {_EPSILON!r}))
end
local ttl = math.min({_MAX_TTL_MS}, math.ceil((capacity - tokens) * 1000 / rate) + {_TTL_MARGIN_MS})
redis.call('HSET', KEYS[1], 't', string.format('%.17g', tokens), 'ms', string.format('%d', now))
redis.call('PEXPIRE', KEYS[1], string.format('%d', ttl))
return {{allowed, retry_ms}}
"""


class RedisTokenBucket:
    """Token buckets in Redis, one hash per key, updated atomically by one Lua script.

    The script reads Redis' clock, refills, takes the tokens and sets the key to expire just after
    the bucket would be full again, in one round trip; no key lives forever. Each call touches
    one key (``prefix + key``), so it works on Redis Cluster too. Redis failures raise
    :class:`~encore.redis_client.RedisUnavailableError`; wrap it in :class:`FallbackRateLimiter`.
    """

    def __init__(self, redis: Redis, prefix: str = "encore:rl:") -> None:
        self._redis = redis
        self._prefix = prefix
        self._script: AsyncScript | None = None  # registered on first use (the client may be lazy)

    async def hit(self, key: str, limit: RateLimit, cost: int = 1) -> Decision:
        _check_cost(limit, cost)
        args: list[str | int] = [limit.capacity, repr(float(limit.refill_per_second)), cost]
        with translate_redis_errors("rate limit"):
            if self._script is None:
                self._script = self._redis.register_script(_TOKEN_BUCKET_LUA)
            allowed, retry_ms = await self._script(keys=[self._prefix + key], args=args)
        return Decision(bool(allowed), int(retry_ms) / 1000)


class LocalTokenBucket:
    """Token buckets in this process, computed by :func:`bucket_after` on ``clock`` (seconds).

    At most ``max_keys`` buckets are kept; the least recently hit is forgotten first (it restarts
    full, which is what it would mostly be anyway). Not shared between processes.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic, max_keys: int = 10_000) -> None:
        if max_keys < 1:
            raise ValueError("max_keys must be at least 1")
        self._clock = clock
        self._max_keys = max_keys
        self._buckets: OrderedDict[str, tuple[float, int]] = OrderedDict()

    def __len__(self) -> int:
        """How many buckets are held right now."""
        return len(self._buckets)

    async def hit(self, key: str, limit: RateLimit, cost: int = 1) -> Decision:
        now_ms = round(self._clock() * 1000)
        tokens, last_ms = self._buckets.get(key, (float(limit.capacity), now_ms))
        allowed, tokens, retry_after_s = bucket_after(tokens, last_ms, now_ms, limit, cost)
        self._buckets[key] = (tokens, now_ms)
        self._buckets.move_to_end(key)
        while len(self._buckets) > self._max_keys:
            self._buckets.popitem(last=False)
        return Decision(allowed, retry_after_s)


class FallbackRateLimiter(RedisWithFallback[RateLimiter]):
    """``primary`` (Redis) while it answers, ``fallback`` (in-process) while it does not.

    Never raises on a Redis outage: a :class:`~encore.redis_client.RedisUnavailableError` or no
    answer within ``timeout_s`` gets the fallback's decision and is reported to ``on_fallback``
    (default: a warning in the log). Redis is then left alone for ``cooldown_s`` seconds on
    ``clock`` before one call tries it again; see :class:`~encore.redis_client.CircuitBreaker`.
    """

    async def hit(self, key: str, limit: RateLimit, cost: int = 1) -> Decision:
        _check_cost(limit, cost)
        return await self._breaker.call(
            lambda: self._primary.hit(key, limit, cost),
            lambda: self._fallback.hit(key, limit, cost),
        )
