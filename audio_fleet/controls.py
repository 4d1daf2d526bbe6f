"""What every player command checks first: the guild has a player and the user is in its channel.

:class:`PlayerControls` finds the guild's wavelink Player for an envelope, refuses with a message the
user can act on when there is none or the user is elsewhere, runs the command's action and saves
the player snapshot afterwards, so the front's /queue and /nowplaying stay current.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Final, cast

import discord
import wavelink

from audio_fleet.consumer import CommandHandler
from audio_fleet.formatting import track_label
from audio_fleet.snapshots import SnapshotKeeper
from encore.envelope import CommandEnvelope

__all__ = [
    "MSG_NOTHING_PLAYING",
    "MSG_NOT_WITH_ME",
    "PlayerAction",
    "PlayerControls",
    "label",
    "out_of_range",
]

MSG_NOTHING_PLAYING: Final = "Nothing is playing — use /play first."
MSG_GUILD_UNAVAILABLE: Final = "I can't see this server right now. Please try again in a minute."
MSG_NOT_WITH_ME: Final = "Join me in {channel} to control the music."
MSG_QUEUE_EMPTY: Final = "The queue is empty."
MSG_OUT_OF_RANGE: Final = "There's no song at position {position}: the queue has {count} {songs}."

#: What a command does once the player was found and the user may control it.
PlayerAction = Callable[[wavelink.Player, CommandEnvelope], Awaitable[str]]


def label(track: wavelink.Playable) -> str:
    return track_label(track.title, track.author, track.length, is_stream=track.is_stream)


def out_of_range(position: int, count: int) -> str:
    """The message for a 1-based queue position that the queue does not have."""
    if count == 0:
        return MSG_QUEUE_EMPTY
    return MSG_OUT_OF_RANGE.format(position=position, count=count, songs="song" if count == 1 else "songs")


class PlayerControls:
    def __init__(self, client: discord.Client, keeper: SnapshotKeeper | None = None) -> None:
        self._client = client
        self._keeper = keeper

    def find(self, envelope: CommandEnvelope) -> wavelink.Player | str:
        """The guild's player if the user may control it, else the message saying why not."""
        guild = self._client.get_guild(envelope.guild_id)
        if guild is None:
            return MSG_GUILD_UNAVAILABLE
        player = cast(wavelink.Player | None, guild.voice_client)
        if player is None or player.channel is None:
            return MSG_NOTHING_PLAYING
        member = guild.get_member(envelope.user_id)
        voice = member.voice if member is not None else None
        if voice is None or voice.channel is None or voice.channel.id != player.channel.id:
            return MSG_NOT_WITH_ME.format(channel=player.channel.mention)
        return player

    async def save(self, player: wavelink.Player) -> None:
        if self._keeper is not None:
            await self._keeper.save(player)

    async def forget(self, guild_id: int) -> None:
        if self._keeper is not None:
            await self._keeper.forget(guild_id)

    def handler(self, action: PlayerAction) -> CommandHandler:
        """A fleet command handler: check, act, then save the snapshot."""

        async def handle(envelope: CommandEnvelope) -> str:
            found = self.find(envelope)
            if isinstance(found, str):
                return found
            reply = await action(found, envelope)
            await self.save(found)
            return reply

        return handle
