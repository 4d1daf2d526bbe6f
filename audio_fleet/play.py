"""``/play``: join the user's voice channel, find the track on Lavalink, play it or queue it.

The user's voice channel comes from the gateway's voice states (the interaction payload does not
carry it). The reply is the text the deferred response is edited to.
"""

from __future__ import annotations

import logging
from typing import Final, cast

import discord
import wavelink

from audio_fleet.formatting import track_label
from audio_fleet.snapshots import SnapshotKeeper
from encore.envelope import CommandEnvelope

__all__ = ["PlayCommand"]

log = logging.getLogger(__name__)

MSG_NOT_IN_VOICE: Final = "Join a voice channel first, then use `/play` again."
MSG_GUILD_UNAVAILABLE: Final = "I can't see this server right now. Please try again in a minute."
MSG_OTHER_CHANNEL: Final = "I'm already playing in {channel}. Join me there to add songs."
MSG_VOICE_TIMEOUT: Final = "I couldn't join your voice channel in time. Please try again."
MSG_VOICE_FORBIDDEN: Final = "I couldn't join {channel}: {reason}"
MSG_NO_NODE: Final = "The music service is unavailable right now. Please try again in a minute."
MSG_NO_RESULTS: Final = "I found nothing for `{query}`."
MSG_LOAD_FAILED: Final = "I couldn't load that: {reason}"
MSG_NOW_PLAYING: Final = "Now playing {track}"
MSG_QUEUED: Final = "Queued {track} (position {position} in the queue)"
MSG_PLAYLIST: Final = "Loaded playlist **{name}**: {count} tracks. {first}"


def _plain(text: str, limit: int = 100) -> str:
    cleaned = discord.utils.escape_markdown(text.replace("`", "'"))
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1] + "…"


class PlayCommand:
    def __init__(
        self,
        client: discord.Client,
        *,
        keeper: SnapshotKeeper | None = None,
        search_source: str = "ytsearch",
        voice_timeout_s: float = 10.0,
    ) -> None:
        self._client = client
        self._keeper = keeper
        self._search_source = search_source
        self._voice_timeout_s = voice_timeout_s

    async def __call__(self, envelope: CommandEnvelope) -> str:
        query = str(envelope.options.get("query", ""))
        guild = self._client.get_guild(envelope.guild_id)
        if guild is None:
            return MSG_GUILD_UNAVAILABLE
        member = guild.get_member(envelope.user_id)
        voice = member.voice if member is not None else None
        channel = voice.channel if voice is not None else None
        if channel is None:
            return MSG_NOT_IN_VOICE

        player = cast(wavelink.Player | None, guild.voice_client)
        if player is not None and player.channel is not None and player.channel.id != channel.id:
            return MSG_OTHER_CHANNEL.format(channel=player.channel.mention)
        try:
            tracks = await wavelink.Playable.search(query, source=self._search_source)
        except wavelink.LavalinkLoadException as exc:
            return MSG_LOAD_FAILED.format(reason=_plain(exc.error or "the source refused it"))
        except (wavelink.InvalidNodeException, wavelink.NodeException):
            return MSG_NO_NODE
        if not tracks:
            return MSG_NO_RESULTS.format(query=_plain(query))

        if player is None:
            joined = await self._join(channel)
            if isinstance(joined, str):
                return joined
            player = joined

        reply = await self._play_or_queue(player, tracks)
        if self._keeper is not None:
            await self._keeper.save(player)
        return reply

    async def _play_or_queue(self, player: wavelink.Player, tracks: wavelink.Search) -> str:
        if isinstance(tracks, wavelink.Playlist):
            added = player.queue.put(tracks)
            first = await self._start_if_idle(player)
            return MSG_PLAYLIST.format(
                name=_plain(tracks.name), count=added, first=first or "Added to the queue."
            )
        track = tracks[0]
        if player.current is None and not player.queue:
            await player.play(track)
            return MSG_NOW_PLAYING.format(track=_label(track))
        player.queue.put(track)
        return MSG_QUEUED.format(track=_label(track), position=len(player.queue))

    async def _join(self, channel: discord.abc.Connectable) -> wavelink.Player | str:
        mention = getattr(channel, "mention", "your channel")
        try:
            player = await channel.connect(cls=wavelink.Player, timeout=self._voice_timeout_s, self_deaf=True)
        except wavelink.ChannelTimeoutException:
            # wavelink raises its own timeout type, so discord.py's cleanup is skipped and the
            # guild would answer "Already connected" forever: disconnect ourselves.
            await self._abandon(channel)
            return MSG_VOICE_TIMEOUT
        except wavelink.InvalidNodeException:
            await self._abandon(channel)
            return MSG_NO_NODE
        except discord.ClientException as exc:
            return MSG_VOICE_FORBIDDEN.format(channel=mention, reason=_plain(str(exc)))
        player.autoplay = wavelink.AutoPlayMode.partial
        return player

    async def _abandon(self, channel: discord.abc.Connectable) -> None:
        guild = getattr(channel, "guild", None)
        voice_client = guild.voice_client if guild is not None else None
        if voice_client is not None:
            await voice_client.disconnect(force=True)

    async def _start_if_idle(self, player: wavelink.Player) -> str | None:
        if player.current is not None or not player.queue:
            return None
        track = player.queue.get()
        await player.play(track)
        return MSG_NOW_PLAYING.format(track=_label(track))


def _label(track: wavelink.Playable) -> str:
    return track_label(track.title, track.author, track.length, is_stream=track.is_stream)
