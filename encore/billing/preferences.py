"""The guild preferences the front and the fleet read (:class:`encore.guild_settings.GuildSettingsReader`),
from the settings stored in the database."""

from __future__ import annotations

from encore.billing.service import BillingService
from encore.guild_settings import GuildPreferences

__all__ = ["StoredGuildSettings"]


class StoredGuildSettings:
    """A :class:`~encore.guild_settings.GuildSettingsReader` over :meth:`BillingService.get_settings`."""

    def __init__(self, billing: BillingService) -> None:
        self._billing = billing

    async def get(self, guild_id: int) -> GuildPreferences:
        stored = await self._billing.get_settings(guild_id)
        return GuildPreferences(
            dj_role_id=stored.dj_role_id,
            default_volume=stored.default_volume,
            announce_channel_id=stored.announce_channel_id,
            language=stored.language,
            vote_skip_ratio=stored.vote_skip_ratio,
        )
