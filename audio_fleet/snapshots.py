"""Keeping the guild's player snapshot current, so the front can answer /queue and /nowplaying.

:func:`snapshot_of` reads a wavelink Player into an :class:`~encore.player_snapshot.PlayerSnapshot`;
:class:`SnapshotKeeper` saves it after every change the fleet makes and on every track start and
end. A snapshot store outage is logged and never interrupts the music. The position is wavelink's
once Lavalink has reported it for the current track, else where the track started
(:func:`~audio_fleet.track_starts.position_of`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import UTC, datetime

import wavelink

from audio_fleet.fencing import LeaseLostError
from audio_fleet.track_starts import position_of
from encore.player_snapshot import LoopMode, PlayerSnapshot, SnapshotStore, TrackSnapshot
from encore.redis_client import RedisUnavailableError

__all__ = ["SnapshotKeeper", "snapshot_of"]

log = logging.getLogger(__name__)

_LOOP_MODES: dict[wavelink.QueueMode, LoopMode] = {
    wavelink.QueueMode.normal: "off",
    wavelink.QueueMode.loop: "track",
    wavelink.QueueMode.loop_all: "queue",
}


def _track(track: wavelink.Playable) -> TrackSnapshot:
    requester = getattr(track.extras, "requester_id", None)
    return TrackSnapshot(
        title=track.title,
        author=track.author,
        uri=track.uri,
        length_ms=track.length,
        is_stream=track.is_stream,
        requester_id=int(requester) if requester is not None else None,
    )


def snapshot_of(player: wavelink.Player, guild_id: int, now: datetime) -> PlayerSnapshot:
    current = player.current
    return PlayerSnapshot(
        guild_id=guild_id,
        voice_channel_id=player.channel.id if player.channel is not None else None,
        current=_track(current) if current is not None else None,
        position_ms=position_of(player) if current is not None else 0,
        position_at=now,
        paused=player.paused,
        volume=player.volume,
        loop_mode=_LOOP_MODES.get(player.queue.mode, "off"),
        queue=tuple(_track(t) for t in player.queue),
        updated_at=now,
    )


class SnapshotKeeper:
    def __init__(
        self, store: SnapshotStore, clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    ) -> None:
        self._store = store
        self._clock = clock

    async def save(self, player: wavelink.Player) -> None:
        guild = player.guild
        if guild is None:
            return
        try:
            await self._store.save(snapshot_of(player, guild.id, self._clock()))
        except RedisUnavailableError:
            log.warning("could not save the player snapshot of guild %s", guild.id, exc_info=True)
        except LeaseLostError as exc:
            log.warning("guild %s: snapshot not saved: %s", guild.id, exc)

    async def save_all(self, players: Iterable[wavelink.Player]) -> None:
        """Save every player's snapshot (position included), e.g. periodically or before a handoff."""
        for player in players:
            await self.save(player)

    async def forget(self, guild_id: int) -> None:
        try:
            await self._store.delete(guild_id)
        except RedisUnavailableError:
            log.warning("could not delete the player snapshot of guild %s", guild_id, exc_info=True)
        except LeaseLostError as exc:
            log.warning("guild %s: snapshot not deleted: %s", guild_id, exc)
