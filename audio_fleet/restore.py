"""Bringing a shard group's players back from their snapshots (fresh start, restart or handoff).

When a task takes a group, :class:`PlayerRestorer` reads the snapshot of every guild the group's
shards see; for each guild that had a player it rejoins the voice channel, loads the queue again
(by track URL, else by title and author), and resumes the current track at the saved position,
paused if it was paused, at the saved volume and loop mode. The saved position is the last one the
old owner recorded (at most one snapshot interval old): the listener may hear a few seconds again,
never miss any.

A guild whose snapshot cannot be read, whose channel is gone, or whose voice join fails is skipped
(logged) and the others carry on.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Final

import discord
import wavelink

from audio_fleet.play_hooks import PlayerFactory
from encore.player_snapshot import LoopMode, PlayerSnapshot, SnapshotError, SnapshotStore, TrackSnapshot
from encore.redis_client import RedisUnavailableError

__all__ = ["PlayerRestorer", "RestoreReport", "detach_player"]

log = logging.getLogger(__name__)

_QUEUE_MODES: Final[dict[LoopMode, wavelink.QueueMode]] = {
    "off": wavelink.QueueMode.normal,
    "track": wavelink.QueueMode.loop,
    "queue": wavelink.QueueMode.loop_all,
}
#: Track loads in flight at once while a queue is rebuilt.
_LOAD_CONCURRENCY: Final = 8


@dataclass(frozen=True, slots=True)
class RestoreReport:
    restored: int
    skipped: int


def detach_player(player: wavelink.Player) -> None:
    """Forget ``player`` in this process without leaving voice or destroying it on Lavalink.

    Used when a task lets go of a group on shutdown: the node keeps the player (its session is
    resumable) and the voice connection stays up until the next owner takes over. wavelink has no
    public way to drop a player from its node without a DELETE, hence the private dictionary.
    """
    guild = player.guild
    player.cleanup()  # discord.py: remove the voice client from the connection state, send nothing
    if guild is not None:
        try:
            node = player.node
        except wavelink.InvalidNodeException:
            return
        node._players.pop(guild.id, None)


class PlayerRestorer:
    def __init__(self, store: SnapshotStore, *, voice_timeout_s: float = 10.0) -> None:
        self._store = store
        self._voice_timeout_s = voice_timeout_s
        self._loads = asyncio.Semaphore(_LOAD_CONCURRENCY)
        #: Makes each restored Player (the node supervisor's choice by load); wavelink's default if None.
        self.make_player: PlayerFactory | None = None

    async def restore(self, client: discord.Client) -> RestoreReport:
        """Restore every guild of ``client`` that has a snapshot with something to play."""
        outcomes = await asyncio.gather(*(self._restore_guild(g) for g in client.guilds))
        restored = sum(1 for o in outcomes if o is True)
        skipped = sum(1 for o in outcomes if o is False)
        return RestoreReport(restored, skipped)

    async def _restore_guild(self, guild: discord.Guild) -> bool | None:
        """True restored, False had a player but could not restore, None nothing to restore."""
        try:
            snapshot = await self._store.load(guild.id)
        except (RedisUnavailableError, SnapshotError):
            log.warning("guild %s: snapshot unreadable, not restored", guild.id, exc_info=True)
            return False
        if snapshot is None or snapshot.voice_channel_id is None:
            return None
        if snapshot.current is None and not snapshot.queue:
            return None
        if guild.voice_client is not None:
            return None  # a command got there first
        channel = guild.get_channel(snapshot.voice_channel_id)
        if not isinstance(channel, discord.VoiceChannel | discord.StageChannel):
            log.info("guild %s: voice channel %s is gone, not restored", guild.id, snapshot.voice_channel_id)
            return False
        try:
            return await self._rebuild(channel, snapshot)
        except Exception:
            log.exception("guild %s: restore failed", guild.id)
            return False

    async def _rebuild(
        self, channel: discord.VoiceChannel | discord.StageChannel, snap: PlayerSnapshot
    ) -> bool:
        current = await self._load(snap.current) if snap.current is not None else None
        queued = await asyncio.gather(*(self._load(t) for t in snap.queue))
        try:
            player = await channel.connect(
                cls=self.make_player or wavelink.Player, timeout=self._voice_timeout_s, self_deaf=True
            )
        except wavelink.ChannelTimeoutException:
            if channel.guild.voice_client is not None:
                await channel.guild.voice_client.disconnect(force=True)
            log.warning("guild %s: could not rejoin voice in time", channel.guild.id)
            return False
        player.autoplay = wavelink.AutoPlayMode.partial
        player.queue.put([t for t in queued if t is not None])
        player.queue.mode = _QUEUE_MODES[snap.loop_mode]
        if current is not None:
            position = 0 if current.is_stream else snap.position_ms
            await player.play(current, start=position, volume=snap.volume, paused=snap.paused)
        else:
            await player.set_volume(snap.volume)
            if player.queue:
                await player.play(player.queue.get(), volume=snap.volume, paused=snap.paused)
        log.info("guild %s: player restored (%s queued)", channel.guild.id, len(player.queue))
        return True

    async def _load(self, track: TrackSnapshot) -> wavelink.Playable | None:
        query = track.uri or f"{track.title} {track.author}"
        async with self._loads:
            try:
                found = await wavelink.Playable.search(query)
            except (wavelink.LavalinkLoadException, wavelink.NodeException, wavelink.InvalidNodeException):
                log.warning("could not load %r again", query, exc_info=True)
                return None
        if isinstance(found, wavelink.Playlist):
            chosen = found.tracks[found.selected] if 0 <= found.selected < len(found.tracks) else None
        else:
            chosen = found[0] if found else None
        if chosen is not None and track.requester_id is not None:
            chosen.extras = {"requester_id": str(track.requester_id)}
        return chosen
