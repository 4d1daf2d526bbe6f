"""The guild preferences the front and the fleet read (:class:`encore.guild_settings.GuildSettingsReader`),
from the settings stored in the database, and where the fleet keeps ``/247`` and ``/autoplay``
(:class:`encore.guild_settings.PlayerModesWriter`).

Reads are cached in-process for ``ttl_s`` (a change made here drops the guild's entry at once; one
made elsewhere, e.g. through the REST API, is seen within ``ttl_s``).

With a tier lookup (the fleet's), a stored mode counts only while the guild's tier allows it: a
guild that lost premium reads 24/7 and autoplay as off even before the scheduled job turned them off
in the database.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from encore.billing.service import BillingService
from encore.billing.views import Actor
from encore.guild_settings import GuildPreferences
from encore.tiers import Feature, Tier

__all__ = ["FLEET", "StoredGuildSettings"]

#: Who changes the player modes, for the audit log.
FLEET = Actor(id="fleet", kind="system", source="fleet")


class StoredGuildSettings:
    """A :class:`~encore.guild_settings.GuildSettingsReader` over :meth:`BillingService.get_settings`
    and :meth:`BillingService.player_modes`, and the fleet's
    :class:`~encore.guild_settings.PlayerModesWriter`."""

    def __init__(
        self,
        billing: BillingService,
        *,
        ttl_s: float = 5.0,
        monotonic: Callable[[], float] = time.monotonic,
        tier_of: Callable[[int], Awaitable[Tier]] | None = None,
    ) -> None:
        """``tier_of`` (the guild's tier now): when given, 24/7 and autoplay read as off unless the
        tier allows them."""
        self._billing = billing
        self._tier_of = tier_of
        self._ttl_s = ttl_s
        self._monotonic = monotonic
        self._cache: dict[int, tuple[GuildPreferences, float]] = {}

    async def get(self, guild_id: int) -> GuildPreferences:
        hit = self._cache.get(guild_id)
        if hit is not None and hit[1] > self._monotonic():
            return hit[0]
        stored = await self._billing.get_settings(guild_id)
        modes = await self._billing.player_modes(guild_id)
        always_on, autoplay_channel_id = modes.always_on, modes.autoplay_channel_id
        if self._tier_of is not None and (always_on or autoplay_channel_id is not None):
            tier = await self._tier_of(guild_id)
            always_on = always_on and tier.allows(Feature.ALWAYS_ON)
            autoplay_channel_id = autoplay_channel_id if tier.allows(Feature.AUTOPLAY) else None
        prefs = stored.preferences(always_on=always_on, autoplay_channel_id=autoplay_channel_id)
        if self._ttl_s > 0:
            self._cache[guild_id] = (prefs, self._monotonic() + self._ttl_s)
        return prefs

    async def set_always_on(self, guild_id: int, on: bool) -> None:
        self._cache.pop(guild_id, None)
        await self._billing.set_player_modes(guild_id, FLEET, always_on=on)

    async def set_autoplay(self, guild_id: int, channel_id: int | None) -> None:
        self._cache.pop(guild_id, None)
        await self._billing.set_player_modes(
            guild_id, FLEET, autoplay=channel_id is not None, autoplay_channel_id=channel_id
        )
