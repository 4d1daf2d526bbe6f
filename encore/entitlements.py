"""The one entitlement function: may this guild do X, and if not, which upgrade would allow it.

The front and the fleet both ask :func:`decide` (features) and :func:`decide_volume`. A guild's
tier is the best of :func:`tier_from_entitlements` (Discord App Subscriptions carried by the
interaction, which count at once) and the stored one, ``BillingService.tier_of`` (the database's
subscription and stored Discord entitlements), which is cached by :class:`EntitlementCache`.
Everything here but the cache is pure.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from encore.redis_client import RedisUnavailableError, translate_redis_errors
from encore.tiers import DEFAULT_TIERS, FREE, Feature, Tier

if TYPE_CHECKING:
    from redis.asyncio import Redis

__all__ = [
    "Decision",
    "EntitlementCache",
    "EntitlementGrant",
    "best_tier",
    "decide",
    "decide_volume",
    "tier_from_entitlements",
]


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    upgrade_to: Tier | None = None  #: the cheapest tier that would allow it, when not allowed

    @property
    def prompt(self) -> str | None:
        """A short English upgrade prompt (the front localises its own messages)."""
        if self.allowed:
            return None
        if self.upgrade_to is None:
            return "That isn't available on any plan."
        return f"That needs {self.upgrade_to.display_name}. Use `/premium upgrade` to unlock it."


@dataclass(frozen=True, slots=True)
class EntitlementGrant:
    """The part of a Discord entitlement that decides a tier."""

    sku_id: int
    ends_at: datetime | None = None


def _cheapest(candidates: Iterable[Tier]) -> Tier | None:
    return min(candidates, key=lambda t: t.rank, default=None)


def decide(tier: Tier, feature: Feature, tiers: Mapping[str, Tier] = DEFAULT_TIERS) -> Decision:
    if tier.allows(feature):
        return Decision(True)
    better = (t for t in tiers.values() if t.rank > tier.rank and t.allows(feature))
    return Decision(False, _cheapest(better))


def decide_volume(tier: Tier, level: int, tiers: Mapping[str, Tier] = DEFAULT_TIERS) -> Decision:
    if level <= tier.volume_cap:
        return Decision(True)
    better = (t for t in tiers.values() if t.rank > tier.rank and level <= t.volume_cap)
    return Decision(False, _cheapest(better))


def tier_from_entitlements(
    grants: Iterable[EntitlementGrant],
    sku_tiers: Mapping[int, str],
    now: datetime,
    tiers: Mapping[str, Tier] = DEFAULT_TIERS,
) -> Tier:
    """The best tier any active entitlement grants (a subscription has no end until it ends)."""
    best = tiers.get("free", FREE)
    for grant in grants:
        if grant.ends_at is not None and grant.ends_at <= now:
            continue
        tier = tiers.get(sku_tiers.get(grant.sku_id, ""))
        if tier is not None and tier.rank > best.rank:
            best = tier
    return best


def best_tier(*candidates: Tier) -> Tier:
    """The highest-ranked of the tiers (e.g. the stored one and the interaction's entitlements)."""
    return max(candidates, key=lambda t: t.rank)


class EntitlementCache:
    """A guild's stored tier, cached in-process (``local_ttl_s``) and in Redis (``redis_ttl_s``).

    ``load(guild_id)`` gives the tier's name from the source of truth (the database). A change
    calls :meth:`invalidate`, which drops this process's entry and the Redis key, so other processes
    see the change once their short in-process entry expires. Without Redis (or while it is down)
    only the in-process layer is used; a tier name no longer configured reads as free.
    """

    def __init__(
        self,
        load: Callable[[int], Awaitable[str]],
        tiers: Mapping[str, Tier] = DEFAULT_TIERS,
        *,
        redis: Redis | None = None,
        prefix: str = "encore:tier:",
        local_ttl_s: float = 5.0,
        redis_ttl_s: int = 60,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._load = load
        self._tiers = tiers
        self._redis = redis
        self._prefix = prefix
        self._local_ttl_s = local_ttl_s
        self._redis_ttl_s = redis_ttl_s
        self._monotonic = monotonic
        self._local: dict[int, tuple[str, float]] = {}

    def _tier(self, name: str) -> Tier:
        return self._tiers.get(name) or self._tiers.get("free", FREE)

    async def tier(self, guild_id: int) -> Tier:
        hit = self._local.get(guild_id)
        if hit is not None and hit[1] > self._monotonic():
            return self._tier(hit[0])
        name = await self._from_redis(guild_id)
        if name is None:
            name = await self._load(guild_id)
            await self._to_redis(guild_id, name)
        self._local[guild_id] = (name, self._monotonic() + self._local_ttl_s)
        return self._tier(name)

    async def invalidate(self, guild_id: int) -> None:
        self._local.pop(guild_id, None)
        if self._redis is None:
            return
        try:
            with translate_redis_errors("tier cache invalidate"):
                await self._redis.delete(f"{self._prefix}{guild_id}")
        except RedisUnavailableError:
            pass  # the Redis entry expires on its own within redis_ttl_s

    async def _from_redis(self, guild_id: int) -> str | None:
        if self._redis is None:
            return None
        try:
            with translate_redis_errors("tier cache read"):
                raw = await self._redis.get(f"{self._prefix}{guild_id}")
        except RedisUnavailableError:
            return None
        if raw is None:
            return None
        return raw.decode() if isinstance(raw, bytes) else str(raw)

    async def _to_redis(self, guild_id: int, name: str) -> None:
        if self._redis is None:
            return
        try:
            with translate_redis_errors("tier cache write"):
                await self._redis.set(f"{self._prefix}{guild_id}", name, ex=self._redis_ttl_s)
        except RedisUnavailableError:
            pass
