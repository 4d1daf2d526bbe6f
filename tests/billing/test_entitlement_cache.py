"""The cached tier lookup: in-process and in (real) Redis, invalidated on change, and Redis-down safe."""

from __future__ import annotations

from redis.asyncio import Redis

from encore.entitlements import EntitlementCache, best_tier
from encore.tiers import DEFAULT_TIERS, FREE


class Source:
    """The database's answer, with a count of how often it was asked."""

    def __init__(self) -> None:
        self.tiers: dict[int, str] = {}
        self.loads = 0

    async def __call__(self, guild_id: int) -> str:
        self.loads += 1
        return self.tiers.get(guild_id, "free")


class Ticks:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


async def test_cached_in_process_then_in_redis_and_invalidated(redis: Redis, prefix: str) -> None:
    source, ticks = Source(), Ticks()
    source.tiers[1] = "premium"
    one = EntitlementCache(source, redis=redis, prefix=prefix, local_ttl_s=5, monotonic=ticks)
    other = EntitlementCache(source, redis=redis, prefix=prefix, local_ttl_s=5, monotonic=ticks)
    assert (await one.tier(1)).name == "premium"
    assert (await one.tier(1)).name == "premium"
    assert (await other.tier(1)).name == "premium"  # another process: from Redis
    assert source.loads == 1
    source.tiers[1] = "pro"
    await one.invalidate(1)
    assert (await one.tier(1)).name == "pro"
    assert (await other.tier(1)).name == "premium"  # its short in-process entry is still fresh
    ticks.now = 6
    assert (await other.tier(1)).name == "pro"
    assert source.loads == 2


async def test_works_without_redis_and_while_redis_is_down(dead_redis: Redis) -> None:
    source, ticks = Source(), Ticks()
    source.tiers[2] = "pro"
    for cache in (EntitlementCache(source, monotonic=ticks), EntitlementCache(source, redis=dead_redis)):
        assert (await cache.tier(2)).name == "pro"
        await cache.invalidate(2)


async def test_a_tier_no_longer_configured_reads_as_free() -> None:
    source = Source()
    source.tiers[3] = "platinum"
    assert await EntitlementCache(source).tier(3) == FREE


def test_best_tier_takes_the_highest_rank() -> None:
    assert best_tier(FREE, DEFAULT_TIERS["pro"], DEFAULT_TIERS["premium"]).name == "pro"
