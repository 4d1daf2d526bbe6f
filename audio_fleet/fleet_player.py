"""The fleet's wavelink Player: it tells its client when Discord takes the bot out of voice.

When a moderator disconnects the bot (or deletes its channel), Discord sends VOICE_STATE_UPDATE
for the bot with ``channel_id: null``; discord.py hands it to the guild's voice client, and
wavelink's Player destroys itself (Lavalink DELETE) and disappears from discord.py's state without
an event. :class:`FleetPlayer` dispatches ``fleet_voice_lost`` on its client afterwards, so the
fleet can clean up the queue, the snapshot and the now-playing message. The fleet's own leaving
(``disconnect()``) removes the voice client first, so it never reaches this path.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import wavelink

if TYPE_CHECKING:
    from discord.types.voice import GuildVoiceState as GuildVoiceStatePayload

__all__ = ["FleetPlayer"]


class FleetPlayer(wavelink.Player):
    async def on_voice_state_update(self, data: GuildVoiceStatePayload, /) -> None:
        await super().on_voice_state_update(data)
        if not data["channel_id"]:
            self.client.dispatch("fleet_voice_lost", self)
