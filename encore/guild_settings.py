"""A guild's preferences (DJ role, default volume, announce channel, language, vote-skip ratio).

:class:`GuildPreferences` is what the front and the fleet read; :class:`GuildSettingsReader` is
where they come from. Until the data issue stores them in the database, every guild has the
defaults (:class:`DefaultGuildSettings`): no DJ role (everyone may control the music), volume 100,
no announce channel, the user's own language, half the listeners to skip.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

__all__ = ["DefaultGuildSettings", "GuildPreferences", "GuildSettingsReader"]


@dataclass(frozen=True, slots=True)
class GuildPreferences:
    dj_role_id: int | None = None
    default_volume: int = 100
    announce_channel_id: int | None = None
    language: str | None = None
    vote_skip_ratio: int = 50  #: percent of the listeners needed to skip


class GuildSettingsReader(Protocol):
    async def get(self, guild_id: int) -> GuildPreferences: ...


class DefaultGuildSettings:
    async def get(self, guild_id: int) -> GuildPreferences:
        return GuildPreferences()
