"""Everything the front's answers depend on, built once per process (per Lambda container).

With ``REDIS_URL`` the rate limiter, replay guard, recent searches and player snapshots live in
Redis, each behind a circuit breaker with an in-process fallback; without it (the embedded default)
the in-process versions are used directly. Fallbacks are reported to telemetry.

With ``DATABASE_URL`` set, ``billing`` is the billing service (built on first use): the front then
counts a guild's stored subscription, not only the entitlements an interaction carries.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from encore.player_snapshot import MemorySnapshotStore, RedisSnapshotStore, SnapshotStore
from encore.queue import CommandQueue
from encore.ratelimit import FallbackRateLimiter, LocalTokenBucket, RateLimiter, RedisTokenBucket
from encore.recent_searches import (
    FallbackRecentSearches,
    MemoryRecentSearches,
    RecentSearches,
    RedisRecentSearches,
)
from encore.redis_client import CircuitBreaker, lazy_redis_from_url
from encore.replay import FallbackReplayGuard, LocalReplayGuard, RedisReplayGuard, ReplayGuard
from encore.settings import Settings
from encore.tiers import DEFAULT_TIERS, Tier
from interactions.api.ports import BillingProvider, DatabaseBilling

__all__ = ["FrontServices", "build_services"]


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class FrontServices:
    queue: CommandQueue
    limiter: RateLimiter = field(default_factory=LocalTokenBucket)
    replay: ReplayGuard = field(default_factory=LocalReplayGuard)
    snapshots: SnapshotStore = field(default_factory=MemorySnapshotStore)
    searches: RecentSearches = field(default_factory=MemoryRecentSearches)
    sku_tiers: Mapping[int, str] = field(default_factory=dict)
    tiers: Mapping[str, Tier] = field(default_factory=lambda: DEFAULT_TIERS)
    clock: Callable[[], datetime] = _utcnow
    #: The stored subscriptions (None: only the entitlements carried by each interaction count).
    billing: BillingProvider | None = None


def build_services(
    settings: Settings,
    queue: CommandQueue,
    on_redis_fallback: Callable[[Exception], None] | None = None,
) -> FrontServices:
    redis = lazy_redis_from_url(settings.redis_url)  # redis-py loads on the first command
    # Only an explicitly configured database: the embedded default file is the sandbox's business.
    billing = DatabaseBilling(settings) if "database_url" in settings.model_fields_set else None
    if redis is None:
        return FrontServices(
            queue=queue, sku_tiers=settings.encore_sku_tiers, tiers=settings.tiers, billing=billing
        )
    return FrontServices(
        queue=queue,
        limiter=FallbackRateLimiter(
            RedisTokenBucket(redis), LocalTokenBucket(), on_fallback=on_redis_fallback
        ),
        replay=FallbackReplayGuard(
            RedisReplayGuard(redis), LocalReplayGuard(), on_fallback=on_redis_fallback
        ),
        snapshots=RedisSnapshotStore(redis),
        searches=FallbackRecentSearches(
            RedisRecentSearches(redis), breaker=CircuitBreaker(on_fallback=on_redis_fallback)
        ),
        sku_tiers=settings.encore_sku_tiers,
        tiers=settings.tiers,
        billing=billing,
    )
