"""``/history``: the songs the guild's player played lately, newest first.

Read from the player's history window (:data:`~audio_fleet.player_queue.HISTORY_WINDOW` tracks); the
song playing now is not part of it. Anyone in the server may look, in voice or not.
"""

from __future__ import annotations

from typing import Final, cast

import discord
import wavelink

from audio_fleet.controls import label
from encore.envelope import CommandEnvelope
from encore.i18n import translate

__all__ = ["HISTORY_SHOWN", "HistoryCommand"]

#: How many songs ``/history`` lists.
HISTORY_SHOWN: Final = 10


def played(player: wavelink.Player) -> list[wavelink.Playable]:
    """The played songs, newest first (the one playing now, which wavelink already holds, left out)."""
    history = list(player.queue.history or [])
    current = player.current
    if history and current is not None and history[-1].encoded == current.encoded:
        history.pop()
    return history[::-1]


class HistoryCommand:
    def __init__(self, client: discord.Client) -> None:
        self._client = client

    async def __call__(self, envelope: CommandEnvelope) -> str:
        guild = self._client.get_guild(envelope.guild_id)
        player = cast(wavelink.Player | None, guild.voice_client if guild is not None else None)
        tracks = played(player)[:HISTORY_SHOWN] if player is not None else []
        if not tracks:
            return translate("fleet.history_empty", envelope.locale)
        lines = [translate("fleet.history_title", envelope.locale)]
        lines += [f"`{n}.` {label(track)}" for n, track in enumerate(tracks, start=1)]
        return "\n".join(lines)
