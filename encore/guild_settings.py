"""A guild's preferences (DJ role, default volume, announce channel, language, vote-skip ratio).

:class:`GuildPreferences` is what the front and the fleet read; :class:`GuildSettingsReader` is
where they come from. With a database they are the stored settings
(:class:`encore.billing.preferences.StoredGuildSettings`, which is also the
:class:`PlayerModesWriter` of ``/247`` and ``/autoplay``); without one every guild has the defaults
(:class:`DefaultGuildSettings`): no DJ role (everyone may control the music), volume 100, no
announce channel, the user's own language, half the listeners to skip, and player modes kept only in
the fleet task's memory.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

__all__ = ["DefaultGuildSettings", "GuildPreferences", "GuildSettingsReader", "PlayerModesWriter"]


@dataclass(frozen=True, slots=True)
class GuildPreferences:
    dj_role_id: int | None = None
    default_volume: int = 100
    announce_channel_id: int | None = None
    language: str | None = None
    vote_skip_ratio: int = 50  #: percent of the listeners needed to skip
    genre_preferences: tuple[str, ...] = ()  #: genres autoplay should favour
    always_on: bool = False  #: ``/247`` is on (stored: survives a fleet restart or handoff)
    autoplay_channel_id: int | None = None  #: ``/autoplay`` is on, speaking in this channel


class GuildSettingsReader(Protocol):
    async def get(self, guild_id: int) -> GuildPreferences: ...


class PlayerModesWriter(Protocol):
    """Where the fleet keeps ``/247`` and ``/autoplay`` so the next owner of the guild sees them."""

    async def set_always_on(self, guild_id: int, on: bool) -> None: ...

    async def set_autoplay(self, guild_id: int, channel_id: int | None) -> None:
        """On (speaking in ``channel_id``) or off (None)."""
        ...


class DefaultGuildSettings:
    async def get(self, guild_id: int) -> GuildPreferences:
        return GuildPreferences()
