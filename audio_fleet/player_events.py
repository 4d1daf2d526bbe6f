"""What happens to a guild's player that other parts of the fleet react to.

:class:`~audio_fleet.discord_client.FleetClient` calls every registered :class:`PlayerObserver` when a
track starts or ends, when someone joins or leaves a voice channel of the player's guild, and when
Discord disconnects the bot from voice.
"""

from __future__ import annotations

from typing import Literal, Protocol

import wavelink

__all__ = ["PlayerEvent", "PlayerObserver"]

#: ``disconnected``: Discord took the bot out of voice (not the fleet's own leaving); the player is
#: already destroyed on Lavalink.
PlayerEvent = Literal["track_start", "track_end", "voice", "disconnected"]


class PlayerObserver(Protocol):
    async def player_changed(self, player: wavelink.Player, event: PlayerEvent) -> None: ...
