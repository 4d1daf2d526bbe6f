"""What ``/play`` borrows from the Lavalink side of the fleet: the resilient track loader, the node
chooser for new players, and the notices channel for playback problems."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import discord
import wavelink

from audio_fleet.playback_events import PlaybackNotices
from audio_fleet.track_loader import Loaded, TrackLoader
from encore.envelope import CommandEnvelope

__all__ = ["PlayHooks", "PlayerFactory"]

#: ``channel.connect(cls=...)``: makes the guild's Player (on the node of the factory's choice).
PlayerFactory = Callable[[discord.Client, discord.abc.Connectable], wavelink.Player]


@dataclass(frozen=True, slots=True)
class PlayHooks:
    loader: TrackLoader
    make_player: PlayerFactory | None = None
    notices: PlaybackNotices | None = None

    def remember(self, envelope: CommandEnvelope) -> None:
        """Playback problems in this guild are reported to this command's interaction."""
        if self.notices is not None:
            self.notices.remember(envelope)

    async def load(self, query: str, locale: str | None) -> Loaded | str:
        return await self.loader.load(query, locale)
