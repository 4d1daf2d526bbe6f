"""The fleet's billing shares its tier cache with the other processes through REDIS_URL (real Redis),
so a tier change made by another process (the scheduled job, the front) reaches the fleet."""

from __future__ import annotations

import random
from pathlib import Path

from redis.asyncio import Redis

from audio_fleet.fleet_billing import open_fleet_billing
from encore.billing.runtime import open_billing
from encore.settings import load_settings
from tests.billing_support import ADMIN
from tests.redis_support import LOCAL_REDIS


async def test_a_tier_change_in_another_process_drops_the_fleets_cached_tier(
    tmp_path: Path, redis: Redis
) -> None:
    guild = random.randrange(10**17, 10**18)
    key = f"encore:tier:{guild}"
    settings = load_settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'encore.db'}", redis_url=LOCAL_REDIS
    )
    fleet, fleet_opened = await open_fleet_billing(settings)
    job = await open_billing(settings)  # another process on the same database and Redis
    try:
        assert (await fleet.service.tier_of(guild)).name == "free"
        assert await redis.get(key) == b"free"  # cached where every process reads it

        await job.service.start_trial(guild, "premium", ADMIN)
        assert await redis.get(key) is None  # the change dropped it for every process
        assert (await job.service.tier_of(guild)).name == "premium"
        assert await redis.get(key) == b"premium"
        # A fleet task that starts now (nothing in its own memory) reads the new tier from Redis.
        restarted, restarted_opened = await open_fleet_billing(settings)
        try:
            assert (await restarted.service.tier_of(guild)).name == "premium"
        finally:
            await restarted_opened.close()
    finally:
        await job.close()
        await fleet_opened.close()
        await redis.delete(key)


async def test_without_redis_url_the_cache_stays_in_the_process(tmp_path: Path, redis: Redis) -> None:
    guild = random.randrange(10**17, 10**18)
    settings = load_settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'encore.db'}", redis_url=None)
    fleet, opened = await open_fleet_billing(settings)
    try:
        assert opened.redis is None
        assert (await fleet.service.tier_of(guild)).name == "free"
        assert await redis.get(f"encore:tier:{guild}") is None
    finally:
        await opened.close()
