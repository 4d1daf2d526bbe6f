"""Bringing a shard group's players back from their snapshots (fresh start, restart or handoff).

When a task takes a group, :class:`PlayerRestorer` reads the snapshot of every guild the group's
shards see; for each guild that had a player it rejoins the voice channel, loads the queue again
(by track URL, else by title and author), and resumes the current track at the saved position,
paused if it was paused, at the saved volume and loop mode. The saved position is the last one the
old owner recorded (at most one snapshot interval old): the listener may hear a few seconds again,
never miss any.

Tracks are loaded through the :class:`~audio_fleet.track_loader.TrackLoader` (retries, then the
next source of the fallback order) and keep their requester, so the fair queue's round-robin goes
on. With the node supervisor (:meth:`PlayerRestorer.use`), players are made on the lowest-penalty
node and take part in failover.

After a short restart (a pinned task whose Lavalink session resumed), the node may still be playing
a guild's track: the restore then makes the player on that node and attaches to what it plays
(track, position, volume, pause, filters) without replaying it, so the music does not skip back to
the saved position; only the queue and loop mode come from the snapshot.

A guild whose snapshot cannot be read, whose channel is gone, or whose voice join fails is skipped
(logged) and the others carry on.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Final

import discord
import wavelink

from audio_fleet.nodes import FleetNode, NodeSupervisor
from audio_fleet.play_hooks import PlayerFactory
from audio_fleet.track_loader import TrackLoader
from audio_fleet.track_starts import replaying
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
        self._nodes: NodeSupervisor | None = None
        self._loader = TrackLoader()

    def use(self, nodes: NodeSupervisor, loader: TrackLoader) -> None:
        """Make players through ``nodes`` (by load, with failover; attaching to what a resumed node
        still plays) and load tracks through ``loader``. Until then: wavelink's default node."""
        self._nodes = nodes
        self._loader = loader

    async def restore(self, client: discord.Client) -> RestoreReport:
        """Restore every guild of ``client`` that has a snapshot with something to play."""
        live = await self._nodes.live_players() if self._nodes is not None else {}
        outcomes = await asyncio.gather(*(self._restore_guild(g, live.get(g.id)) for g in client.guilds))
        restored = sum(1 for o in outcomes if o is True)
        skipped = sum(1 for o in outcomes if o is False)
        return RestoreReport(restored, skipped)

    def _factory(self, live: FleetNode | None) -> PlayerFactory | type[wavelink.Player]:
        if self._nodes is None:
            return wavelink.Player
        return self._nodes.player_on(live) if live is not None else self._nodes.make_player

    async def _restore_guild(self, guild: discord.Guild, live: FleetNode | None) -> bool | None:
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
            return await self._rebuild(channel, snapshot, live)
        except Exception:
            log.exception("guild %s: restore failed", guild.id)
            return False

    async def _rebuild(
        self,
        channel: discord.VoiceChannel | discord.StageChannel,
        snap: PlayerSnapshot,
        live: FleetNode | None,
    ) -> bool:
        """``live``: the resumed node that still has this guild's player (attach to it if it plays)."""
        queued = await asyncio.gather(*(self._load(t) for t in snap.queue))
        current = await self._load(snap.current) if snap.current is not None and live is None else None
        try:
            player = await channel.connect(
                cls=self._factory(live), timeout=self._voice_timeout_s, self_deaf=True
            )
        except wavelink.ChannelTimeoutException:
            if channel.guild.voice_client is not None:
                await channel.guild.voice_client.disconnect(force=True)
            log.warning("guild %s: could not rejoin voice in time", channel.guild.id)
            return False
        player.autoplay = wavelink.AutoPlayMode.partial
        player.queue.mode = _QUEUE_MODES[snap.loop_mode]
        if live is not None and await _attach(player, snap):
            playing = player.current
            assert playing is not None
            # A snapshot one track behind (the node moved on just before the stop): skip that track.
            behind = snap.current is None or not _same(snap.current, playing)
            if behind and snap.queue and _same(snap.queue[0], playing):
                queued = queued[1:]
            player.queue.put([t for t in queued if t is not None])
            log.info(
                "guild %s: attached to the player node %s still plays (%s queued)",
                channel.guild.id,
                live.identifier,
                len(player.queue),
            )
            return True
        player.queue.put([t for t in queued if t is not None])
        if snap.current is not None and current is None and live is not None:
            current = await self._load(snap.current)
        if current is not None:
            position = 0 if current.is_stream else snap.position_ms
            replaying(player, current, position)  # its start was counted by the previous owner
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
                loaded = await self._loader.load(query, None)
            except wavelink.InvalidNodeException:
                log.warning("could not load %r again: no Lavalink node is ready", query)
                return None
        if isinstance(loaded, str):
            log.warning("could not load %r again: %s", query, loaded)
            return None
        found = loaded.tracks
        if isinstance(found, wavelink.Playlist):
            chosen = found.tracks[found.selected] if 0 <= found.selected < len(found.tracks) else None
        else:
            chosen = found[0] if found else None
        if chosen is not None and track.requester_id is not None:
            chosen.extras = {"requester_id": str(track.requester_id)}
        return chosen


def _same(saved: TrackSnapshot, track: wavelink.Playable) -> bool:
    """Whether ``track`` is the saved track (by URL, else by title and author)."""
    if saved.uri is not None and track.uri is not None:
        return saved.uri == track.uri
    return (saved.title, saved.author) == (track.title, track.author)


async def _attach(player: wavelink.Player, snap: PlayerSnapshot) -> bool:
    """Take over what the node plays for ``player``'s guild (``GET .../players/{guild}``), without
    sending it anything; False if it plays nothing (the caller replays the snapshot instead).

    Asked after the voice join, so a track end from now on reaches ``player`` (and its queue).
    wavelink has no public way to adopt a node's player, hence the private attributes."""
    guild = player.guild
    assert guild is not None
    try:
        info = await player.node.fetch_player_info(guild.id)
    except (wavelink.LavalinkException, wavelink.NodeException) as exc:
        log.warning("guild %s: could not read the node's player: %r", guild.id, exc)
        return False
    if info is None or info.track is None:
        return False
    track = info.track
    saved = snap.current
    known = getattr(track.extras, "requester_id", None) is not None
    if not known and saved is not None and saved.requester_id is not None and _same(saved, track):
        track.extras = {**dict(track.extras), "requester_id": str(saved.requester_id)}
    player._current = track
    player._original = track
    player._paused = info.paused
    player._volume = info.volume
    player._filters = info.filters
    player._last_position = info.state.position
    player._last_update = time.monotonic_ns()
    return True
