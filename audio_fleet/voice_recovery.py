"""Back into voice after Discord ended a shard's gateway session.

A RESUME keeps everything as it was. A new IDENTIFY (the session was too old to resume, or Discord
sent op 9 ``false``) is different: Discord ended the voice connections made through the old
session, so the bot is out of its channels and Lavalink's voice socket is closed (4006). discord.py's
sharded client keeps its voice clients -- the wavelink Players, with their queues -- but nothing
tells them. :func:`rejoin_voice` runs when such a shard is ready again: for each Player of the shard
whose guild no longer shows the bot in the Player's channel, it asks Discord to join that channel
again (op 4). Discord answers with VOICE_STATE_UPDATE and VOICE_SERVER_UPDATE, which discord.py
hands to the Player, and wavelink sends the new voice state to Lavalink: the track goes on from
where it stalled, with its queue. A Player whose channel is gone cannot rejoin: it is returned, for
the caller to clean up like a disconnect.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import discord
import wavelink

__all__ = ["RejoinReport", "rejoin_voice"]

log = logging.getLogger(__name__)


@dataclass(slots=True)
class RejoinReport:
    #: Guilds whose Player asked to join its channel again.
    rejoined: list[int] = field(default_factory=list)
    #: Players whose channel is gone (or could not be joined).
    lost: list[wavelink.Player] = field(default_factory=list)


def _bot_channel(guild: discord.Guild) -> int | None:
    me = guild.me
    voice = me.voice if me is not None else None
    channel = voice.channel if voice is not None else None
    return channel.id if channel is not None else None


async def rejoin_voice(client: discord.Client, shard_id: int) -> RejoinReport:
    """Rejoin the voice channel of every Player of ``shard_id`` that Discord took out of voice."""
    report = RejoinReport()
    for voice_client in list(client.voice_clients):
        if not isinstance(voice_client, wavelink.Player) or voice_client.guild is None:
            continue
        player = voice_client
        guild = client.get_guild(voice_client.guild.id)  # the new session's guild, not the Player's old copy
        if guild is None or guild.shard_id != shard_id:
            continue
        wanted = player.channel.id if player.channel is not None else None
        if wanted is not None and _bot_channel(guild) == wanted:
            continue  # Discord kept the connection
        channel = guild.get_channel(wanted) if wanted is not None else None
        if not isinstance(channel, discord.VoiceChannel | discord.StageChannel):
            log.warning("guild %s: voice channel %s is gone, the player cannot rejoin", guild.id, wanted)
            report.lost.append(player)
            continue
        try:
            await guild.change_voice_state(channel=channel, self_deaf=True)
        except (discord.ClientException, ConnectionError) as exc:
            log.warning("guild %s: could not ask to rejoin voice: %r", guild.id, exc)
            report.lost.append(player)
            continue
        log.info("guild %s: rejoining voice channel %s after a new gateway session", guild.id, channel.id)
        report.rejoined.append(guild.id)
    return report
