"""The front's guild preferences from the stored settings (DJ role, language, ...), through the
lazily built billing service (no SQLAlchemy import until the first interaction of a guild).

Like the stored tier, they are on the ACK path: each read is bounded by ``timeout_s`` and cached
in-process for ``ttl_s``; when the database cannot say in time, the defaults answer (the fleet,
which has more time, reads the stored ones again before acting).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from encore.guild_settings import GuildPreferences
from interactions.api.ports import BillingProvider

__all__ = ["StoredFrontSettings"]

log = logging.getLogger(__name__)


class StoredFrontSettings:
    """A :class:`~encore.guild_settings.GuildSettingsReader` over ``Billing.get_settings``."""

    def __init__(
        self,
        billing: BillingProvider,
        *,
        timeout_s: float = 1.0,
        ttl_s: float = 5.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._billing = billing
        self._timeout_s = timeout_s
        self._ttl_s = ttl_s
        self._monotonic = monotonic
        self._cache: dict[int, tuple[GuildPreferences, float]] = {}

    async def get(self, guild_id: int) -> GuildPreferences:
        hit = self._cache.get(guild_id)
        if hit is not None and hit[1] > self._monotonic():
            return hit[0]
        try:
            async with asyncio.timeout(self._timeout_s):
                stored = await (await self._billing()).get_settings(guild_id)
        except Exception:  # the database is down or slow (TimeoutError): the defaults answer
            log.warning("settings of guild %s unavailable; using the defaults", guild_id, exc_info=True)
            return GuildPreferences()
        prefs = stored.preferences()
        if self._ttl_s > 0:
            self._cache[guild_id] = (prefs, self._monotonic() + self._ttl_s)
        return prefs
