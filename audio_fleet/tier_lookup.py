"""The fleet's tier of a guild: the better of the interaction's entitlements and the stored billing.

:class:`StoredTiers` is the :class:`~audio_fleet.guild_rules.TierLookup` the fleet uses when a
database is configured. It asks ``stored(guild_id)`` (``BillingService.tier_of``: the guild's
subscription and stored Discord entitlements, cached in-process and in Redis) and keeps the better of
that and the tier the envelope's App Subscription entitlements grant (:func:`best_tier`), so a
purchase counts at once and a paid subscription counts without one. When the stored tier cannot be
read in ``timeout_s`` (database or Redis down), the failure is logged and counted
(``DatabaseErrors`` or ``RedisErrors``) and the envelope's tier decides alone: a premium guild may
lose premium for a moment, but no command fails because billing is down.

:meth:`StoredTiers.of_guild` is the tier without an interaction (a player leaving when idle, a queue
running out): the stored tier, or the better tier the entitlements of the guild's last interaction in
this task grant now (re-read against the clock, so one that has ended no longer counts).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping

from audio_fleet.guild_rules import EnvelopeTiers, TierLookup
from encore.entitlements import best_tier
from encore.envelope import CommandEnvelope
from encore.metrics import MetricsSink, NullSink
from encore.redis_client import RedisUnavailableError
from encore.tiers import DEFAULT_TIERS, Tier

__all__ = ["StoredTiers"]

log = logging.getLogger(__name__)


def _is_redis(exc: BaseException) -> bool:
    return isinstance(exc, RedisUnavailableError) or type(exc).__module__.startswith("redis")


class StoredTiers:
    def __init__(
        self,
        stored: Callable[[int], Awaitable[Tier]],
        sku_tiers: Mapping[int, str] | None = None,
        *,
        tiers: Mapping[str, Tier] = DEFAULT_TIERS,
        envelope_tiers: TierLookup | None = None,
        metrics: MetricsSink | None = None,
        timeout_s: float = 2.0,
    ) -> None:
        """``stored`` is ``BillingService.tier_of``; ``tiers`` the configured table (ENCORE_TIERS)."""
        self._stored = stored
        self._envelope: TierLookup = envelope_tiers or EnvelopeTiers(sku_tiers, tiers=tiers)
        self._metrics: MetricsSink = metrics or NullSink()
        self._timeout_s = timeout_s
        #: Each guild's last interaction (its entitlements count even before they are stored).
        self._last: dict[int, CommandEnvelope] = {}

    async def of_guild(self, guild_id: int) -> Tier:
        """The guild's tier now, without an interaction (raises when the stored tier is unreadable)."""
        async with asyncio.timeout(self._timeout_s):
            stored = await self._stored(guild_id)
        last = self._last.get(guild_id)
        return stored if last is None else best_tier(await self._envelope(last), stored)

    async def __call__(self, envelope: CommandEnvelope) -> Tier:
        carried = await self._envelope(envelope)
        self._last[envelope.guild_id] = envelope
        try:
            async with asyncio.timeout(self._timeout_s):
                stored = await self._stored(envelope.guild_id)
        except Exception as exc:  # the database, Redis, or a timeout: the envelope decides alone
            metric = "RedisErrors" if _is_redis(exc) else "DatabaseErrors"
            self._metrics.emit(metric, 1)
            log.warning(
                "stored tier of guild %s unavailable (%s); using the interaction's entitlements",
                envelope.guild_id,
                type(exc).__name__,
            )
            return carried
        return best_tier(carried, stored)
