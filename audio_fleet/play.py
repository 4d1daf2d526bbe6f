"""``/play``: join the user's voice channel, find the track on Lavalink, play it or queue it.

The user's voice channel comes from the gateway's voice states (the interaction payload does not
carry it). The reply is the text the deferred response is edited to. Each track remembers who asked
for it (``requester_id`` in its extras) and joins the queue at its fair, round-robin place
(:mod:`~audio_fleet.player_queue`); ``next:true`` (DJs only) puts it at the front instead. The
queue's length is capped by the guild's tier; a playlist is cut to what fits.
"""

from __future__ import annotations

import logging
from typing import Final, cast

import discord
import wavelink

from audio_fleet.formatting import neutralise, track_label
from audio_fleet.guild_rules import EnvelopeTiers, TierLookup, caller_is_dj
from audio_fleet.play_hooks import PlayHooks
from audio_fleet.player_queue import FairQueue, QueueFullError, fair_queue_of
from audio_fleet.snapshots import SnapshotKeeper
from encore.envelope import CommandEnvelope
from encore.guild_settings import DefaultGuildSettings, GuildSettingsReader
from encore.i18n import translate

__all__ = ["PlayCommand"]

log = logging.getLogger(__name__)

MSG_NOT_IN_VOICE: Final = "Join a voice channel first, then use `/play` again."
MSG_GUILD_UNAVAILABLE: Final = "I can't see this server right now. Please try again in a minute."
MSG_OTHER_CHANNEL: Final = "I'm already playing in {channel}. Join me there to add songs."
MSG_VOICE_TIMEOUT: Final = "I couldn't join your voice channel in time. Please try again."
MSG_VOICE_FORBIDDEN: Final = "I couldn't join {channel}: {reason}"
MSG_NO_NODE: Final = "The music service is unavailable right now. Please try again in a minute."
MSG_NO_RESULTS: Final = "I found nothing for `{query}`."
MSG_NOW_PLAYING: Final = "Now playing {track}"
MSG_QUEUED: Final = "Queued {track} (position {position} in the queue)"
MSG_PLAYLIST: Final = "Loaded playlist **{name}**: {count} tracks. {first}"


def _plain(text: str, limit: int = 100) -> str:
    """User or source text (a query, a playlist name, an error) made inert: no Markdown, no mentions."""
    cleaned = neutralise(text.replace("`", "'"))
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1] + "…"


class PlayCommand:
    def __init__(
        self,
        client: discord.Client,
        *,
        hooks: PlayHooks,
        keeper: SnapshotKeeper | None = None,
        voice_timeout_s: float = 10.0,
        tiers: TierLookup | None = None,
        guild_settings: GuildSettingsReader | None = None,
    ) -> None:
        """``hooks``: loads with retries and source fallback, players on the least loaded node,
        and playback problems told to the listeners."""
        self._client = client
        self._hooks = hooks
        self._keeper = keeper
        self._voice_timeout_s = voice_timeout_s
        self._tiers: TierLookup = tiers or EnvelopeTiers()
        self._guild_settings: GuildSettingsReader = guild_settings or DefaultGuildSettings()

    async def __call__(self, envelope: CommandEnvelope) -> str:
        query = str(envelope.options.get("query", ""))
        refused = await self.refusal(envelope)
        if refused is not None:
            return refused
        self._hooks.remember(envelope)
        found = await self.find(query, envelope.locale)
        if isinstance(found, str):
            return found
        tracks, notice = found
        reply = await self.deliver(envelope, tracks)
        return f"{notice}\n{reply}" if notice else reply

    async def refusal(self, envelope: CommandEnvelope) -> str | None:
        """Why the user can't add songs right now (not in voice, elsewhere, not a DJ), or None."""
        found = self._channel(envelope)
        if isinstance(found, str):
            return found
        if envelope.options.get("next") is True:
            prefs = await self._guild_settings.get(envelope.guild_id)
            if not caller_is_dj(envelope, prefs):
                return translate("front.dj_only", envelope.locale)
        return None

    async def search(self, query: str, locale: str | None = None) -> wavelink.Search | str:
        """The tracks Lavalink finds for ``query``, or the message saying why there are none."""
        found = await self.find(query, locale)
        return found if isinstance(found, str) else found[0]

    async def find(self, query: str, locale: str | None = None) -> tuple[wavelink.Search, str | None] | str:
        """Like :meth:`search`, plus what the listener should know about how the tracks were found
        (another source stood in for a failing one)."""
        try:
            loaded = await self._hooks.load(query, locale)
        except wavelink.InvalidNodeException:
            return MSG_NO_NODE
        if isinstance(loaded, str):
            return loaded
        if not loaded.tracks:
            return MSG_NO_RESULTS.format(query=_plain(query))
        return loaded.tracks, loaded.notice

    async def deliver(self, envelope: CommandEnvelope, tracks: wavelink.Search) -> str:
        """Join the user's channel if needed, then play or queue ``tracks`` for them."""
        channel = self._channel(envelope)
        if isinstance(channel, str):
            return channel
        guild = channel.guild
        player = cast(wavelink.Player | None, guild.voice_client)
        if player is None:
            joined = await self._join(channel)
            if isinstance(joined, str):
                return joined
            player = joined
            await self._default_volume(player, envelope)
        for track in tracks:
            track.extras = {"requester_id": str(envelope.user_id)}
        reply = await self._play_or_queue(player, tracks, envelope)
        if self._keeper is not None:
            await self._keeper.save(player)
        return reply

    async def _default_volume(self, player: wavelink.Player, envelope: CommandEnvelope) -> None:
        """A new player starts at the guild's default volume (``default_volume``), within its tier."""
        prefs = await self._guild_settings.get(envelope.guild_id)
        volume = min(prefs.default_volume, (await self._tiers(envelope)).volume_cap)
        if volume != player.volume:
            await player.set_volume(volume)

    def _channel(self, envelope: CommandEnvelope) -> discord.VoiceChannel | discord.StageChannel | str:
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
        return channel

    async def _play_or_queue(
        self, player: wavelink.Player, tracks: wavelink.Search, envelope: CommandEnvelope
    ) -> str:
        queue = fair_queue_of(player)
        limit = (await self._tiers(envelope)).queue_length
        if isinstance(tracks, wavelink.Playlist):
            return await self._playlist(player, queue, tracks, limit, envelope)
        track = tracks[0]
        if player.current is None and not queue:
            await player.play(track)
            return MSG_NOW_PLAYING.format(track=_label(track))
        try:
            if envelope.options.get("next") is True:
                queue.add_next(track, limit)
                return translate("fleet.queued_next", envelope.locale, track=_label(track))
            position = queue.add(track, player.current, limit)
        except QueueFullError:
            return translate("fleet.queue_full", envelope.locale, limit=limit)
        return MSG_QUEUED.format(track=_label(track), position=position)

    async def _playlist(
        self,
        player: wavelink.Player,
        queue: FairQueue,
        playlist: wavelink.Playlist,
        limit: int,
        envelope: CommandEnvelope,
    ) -> str:
        tracks = list(playlist)
        first: str | None = None
        if player.current is None and not queue and tracks:
            start = tracks.pop(0)
            await player.play(start)
            first = MSG_NOW_PLAYING.format(track=_label(start))
        added = 1 if first is not None else 0
        for track in tracks[: queue.room(limit)]:
            queue.add(track, player.current, limit)
            added += 1
        if added == 0:
            return translate("fleet.queue_full", envelope.locale, limit=limit)
        reply = MSG_PLAYLIST.format(
            name=_plain(playlist.name), count=added, first=first or "Added to the queue."
        )
        if added < len(playlist):
            trimmed = translate(
                "fleet.playlist_trimmed", envelope.locale, added=added, total=len(playlist), limit=limit
            )
            reply = f"{reply}\n{trimmed}"
        return reply

    async def _join(self, channel: discord.abc.Connectable) -> wavelink.Player | str:
        mention = getattr(channel, "mention", "your channel")
        try:
            player = await channel.connect(
                cls=self._hooks.make_player or wavelink.Player, timeout=self._voice_timeout_s, self_deaf=True
            )
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
        fair_queue_of(player)
        return player

    async def _abandon(self, channel: discord.abc.Connectable) -> None:
        guild = getattr(channel, "guild", None)
        voice_client = guild.voice_client if guild is not None else None
        if voice_client is not None:
            await voice_client.disconnect(force=True)


def _label(track: wavelink.Playable) -> str:
    return track_label(track.title, track.author, track.length, is_stream=track.is_stream)
