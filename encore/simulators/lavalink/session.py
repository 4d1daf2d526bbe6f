"""Lavalink sessions and their players: state, playback progress, and the events playback produces.

A :class:`SimSession` is one websocket client (one ``sessionId``). While its socket is open every op
goes straight out; once the socket is gone a *resuming* session keeps its players playing for
``timeout`` seconds and queues their events for replay on resume, while a non-resuming one is
destroyed with its players.

A :class:`SimPlayer` is one guild's player. Its position advances with the injected clock times the
simulator's ``playback_speed`` (and any timescale filter), but only while a track is loaded, the
player is not paused and the voice state is complete -- without a voice connection Lavalink has
nobody to send audio to, so the track does not progress and after ``cleanup_threshold`` seconds
it ends with reason ``cleanup`` (lavaplayer's player cleanup).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from aiohttp import web

from encore.simulators.lavalink import ops
from encore.simulators.lavalink.ops import JSON, TrackEndReason

__all__ = ["VOICE_PING_MS", "PlayerUpdate", "SentMessage", "SimPlayer", "SimSession", "TrackChange"]

logger = logging.getLogger(__name__)

#: The ping a connected player reports (Lavalink reports -1 when it has no voice connection).
VOICE_PING_MS: Final = 23


@dataclass(frozen=True, slots=True)
class SentMessage:
    """One op the simulator sent, or queued for replay (``queued``) on a disconnected session."""

    session_id: str
    payload: JSON
    queued: bool = False


@dataclass(frozen=True, slots=True)
class TrackChange:
    """The track part of a player update, validated and resolved by the REST layer."""

    track: JSON | None  # the full track object to play, None → stop
    user_data_only: bool = False  # only ``track.userData`` was given: update the current track


@dataclass(frozen=True, slots=True)
class PlayerUpdate:
    """A validated ``PATCH /v4/sessions/{sid}/players/{gid}`` body."""

    no_replace: bool = False
    track: TrackChange | None = None
    user_data: JSON | None = None
    position: int | None = None
    end_time: int | None = None
    end_time_given: bool = False
    volume: int | None = None
    paused: bool | None = None
    filters: JSON | None = None
    voice: JSON | None = None


class SimPlayer:
    """One guild's player on the simulated node."""

    def __init__(self, guild_id: int, *, clock: Callable[[], float], speed: float) -> None:
        self.guild_id = guild_id
        self.track: JSON | None = None
        self.paused = False
        self.volume = 100
        self.filters: JSON = {}
        self.voice: JSON | None = None
        self.end_time: int | None = None
        #: When the next ``playerUpdate`` is due (None: no track, no updates).
        self.next_update_at: float | None = None
        self._clock = clock
        self._speed = speed
        self._base_position = 0.0
        self._base_time = clock()
        self._stalled_since: float | None = None

    def __repr__(self) -> str:
        title = self.track["info"]["title"] if self.track else None
        return (
            f"SimPlayer(guild_id={self.guild_id}, track={title!r}, position={self.position},"
            f" paused={self.paused}, connected={self.connected})"
        )

    # -- read-only views ----------------------------------------------------------------------

    @property
    def connected(self) -> bool:
        """Whether the voice state has the token, endpoint and session id Lavalink needs."""
        voice = self.voice
        return bool(voice and voice.get("token") and voice.get("endpoint") and voice.get("sessionId"))

    @property
    def playing(self) -> bool:
        return self.track is not None and not self.paused

    @property
    def progressing(self) -> bool:
        return self.playing and self.connected

    @property
    def is_stream(self) -> bool:
        return bool(self.track and self.track["info"]["isStream"])

    @property
    def rate(self) -> float:
        """Track milliseconds per clock millisecond."""
        timescale = self.filters.get("timescale") or {}
        speed = timescale.get("speed") or 1.0
        rate = timescale.get("rate") or 1.0
        return float(self._speed * speed * rate)

    @property
    def position(self) -> int:
        """The track position in milliseconds."""
        if self.track is None:
            return 0
        position = self._base_position
        if self.progressing:
            position += (self._clock() - self._base_time) * 1000.0 * self.rate
        if not self.is_stream:
            position = min(position, float(self.track["info"]["length"]))
        return max(0, int(position))

    @property
    def reached_end(self) -> bool:
        """The track has played to its end (or to ``endTime``)."""
        if self.track is None or not self.progressing:
            return False
        position = self.position
        if self.end_time is not None and position >= self.end_time:
            return True
        return not self.is_stream and position >= self.track["info"]["length"]

    def stalled_for(self, now: float) -> float:
        """Seconds a loaded track has gone without a voice connection pulling audio."""
        return 0.0 if self._stalled_since is None else now - self._stalled_since

    def state(self) -> JSON:
        """The Lavalink player state ``{time, position, connected, ping}``."""
        return {
            "time": ops.epoch_ms(),
            "position": self.position,
            "connected": self.connected,
            "ping": VOICE_PING_MS if self.connected else -1,
        }

    def current_track(self) -> JSON | None:
        """The track object with its live position in ``info.position``."""
        if self.track is None:
            return None
        return {**self.track, "info": {**self.track["info"], "position": self.position}}

    def to_json(self) -> JSON:
        """The REST player object ``{guildId, track, volume, paused, state, voice, filters}``."""
        voice = self.voice or {}
        return {
            "guildId": str(self.guild_id),
            "track": self.current_track(),
            "volume": self.volume,
            "paused": self.paused,
            "state": self.state(),
            "voice": {
                "token": voice.get("token", ""),
                "endpoint": voice.get("endpoint", ""),
                "sessionId": voice.get("sessionId", ""),
                "channelId": voice.get("channelId"),
            },
            "filters": self.filters,
        }

    # -- mutations (the session orchestrates them) ----------------------------------------------

    def _rebase(self) -> None:
        self._base_position = float(self.position)
        self._base_time = self._clock()

    def _update_stall(self) -> None:
        if self.track is not None and not self.connected:
            if self._stalled_since is None:
                self._stalled_since = self._clock()
        else:
            self._stalled_since = None

    def set_voice(self, voice: JSON | None) -> None:
        self._rebase()
        self.voice = voice
        self._update_stall()

    def set_paused(self, paused: bool) -> None:
        self._rebase()
        self.paused = paused

    def set_filters(self, filters: JSON) -> None:
        self._rebase()
        self.filters = filters

    def seek(self, position: int) -> None:
        if self.track is None:
            return
        self._base_position = float(position)
        self._base_time = self._clock()

    def load(self, track: JSON, *, position: int, end_time: int | None, paused: bool) -> None:
        self.track = {**track, "info": {**track["info"], "position": position}}
        self.paused = paused
        self.end_time = end_time
        self._base_position = float(position)
        self._base_time = self._clock()
        self._update_stall()

    def unload(self) -> JSON | None:
        track = self.current_track()
        self.track = None
        self.end_time = None
        self.next_update_at = None
        self._base_position = 0.0
        self._base_time = self._clock()
        self._update_stall()
        return track


class SimSession:
    """One client session (``sessionId``) on the simulated node."""

    def __init__(
        self,
        session_id: str,
        *,
        user_id: str,
        client_name: str,
        clock: Callable[[], float],
        on_send: Callable[[SentMessage], None],
        silent: Callable[[], bool] = lambda: False,
    ) -> None:
        self.id = session_id
        self.user_id = user_id
        self.client_name = client_name
        self.resuming = False
        self.timeout = 60
        self.players: dict[int, SimPlayer] = {}
        self.socket: web.WebSocketResponse | None = None
        self.disconnected_at: float | None = None
        self.queued: list[JSON] = []
        self.next_stats_at: float | None = None
        self._clock = clock
        self._on_send = on_send
        self._silent = silent

    def __repr__(self) -> str:
        return (
            f"SimSession(id={self.id!r}, connected={self.connected}, resuming={self.resuming},"
            f" players={sorted(self.players)})"
        )

    @property
    def connected(self) -> bool:
        """Whether a socket is attached. As in Lavalink (``afterConnectionClosed``), a session stops
        being connected only when the endpoint notices its socket closed and detaches it -- not the
        moment a close starts -- so the ticker never sees a closing session that is neither
        connected nor yet waiting to be resumed. Sends still skip a socket that is closing."""
        return self.socket is not None

    def attach(self, socket: web.WebSocketResponse) -> None:
        self.socket = socket
        self.disconnected_at = None

    def detach(self, socket: web.WebSocketResponse) -> bool:
        """Forget ``socket`` if it is still this session's; return whether it was."""
        if self.socket is not socket:
            return False
        self.socket = None
        self.disconnected_at = self._clock()
        self.next_stats_at = None
        return True

    def resumable(self, now: float) -> bool:
        return (
            not self.connected
            and self.resuming
            and self.disconnected_at is not None
            and now - self.disconnected_at < self.timeout
        )

    async def send(self, payload: JSON, *, queue: bool = False) -> None:
        """Send ``payload``; if the socket is gone and ``queue`` is set, keep it for the resume.
        A silent (hung) node sends and keeps nothing."""
        if self._silent():
            return
        socket = self.socket
        if socket is not None and not socket.closed:
            try:
                await socket.send_str(json.dumps(payload))
            except (ConnectionError, RuntimeError) as exc:
                logger.debug("session %s: send failed: %s", self.id, exc)
            else:
                self._on_send(SentMessage(self.id, payload))
                return
        if queue and self.resuming:
            self.queued.append(payload)
            self._on_send(SentMessage(self.id, payload, queued=True))

    async def send_event(self, payload: JSON) -> None:
        await self.send(payload, queue=True)

    async def replay(self) -> None:
        queued, self.queued = self.queued, []
        for payload in queued:
            await self.send(payload, queue=True)

    # -- playback ---------------------------------------------------------------------------

    def player(self, guild_id: int, *, clock: Callable[[], float], speed: float) -> SimPlayer:
        player = self.players.get(guild_id)
        if player is None:
            player = self.players[guild_id] = SimPlayer(guild_id, clock=clock, speed=speed)
        return player

    async def send_player_update(self, player: SimPlayer) -> None:
        await self.send(ops.player_update(player.guild_id, player.state()))

    async def start_track(
        self, player: SimPlayer, track: JSON, *, position: int, end_time: int | None, paused: bool
    ) -> None:
        """Play ``track``, replacing (TrackEndEvent ``replaced``) whatever was playing."""
        if player.track is not None:
            await self.end_track(player, "replaced")
        player.load(track, position=position, end_time=end_time, paused=paused)
        player.next_update_at = self._clock()  # Lavalink sends one right away, then periodically
        await self.send_event(ops.track_start(player.guild_id, player.current_track() or track))

    async def end_track(self, player: SimPlayer, reason: TrackEndReason) -> None:
        """End the current track (if any) with ``reason``."""
        track = player.unload()
        if track is not None:
            await self.send_event(ops.track_end(player.guild_id, track, reason))

    async def apply(self, player: SimPlayer, update: PlayerUpdate) -> None:
        """Apply a validated player update in Lavalink's order."""
        changes_track = update.track is not None and not update.track.user_data_only
        if update.voice is not None:
            player.set_voice(update.voice)
        if update.paused is not None and not changes_track:
            player.set_paused(update.paused)
        if update.volume is not None:
            player.volume = update.volume
        if update.end_time_given and not changes_track and player.track is not None:
            player.end_time = update.end_time
        if update.position is not None and not changes_track and player.track is not None:
            player.seek(update.position)
            await self.send_player_update(player)
        if update.filters is not None:
            player.set_filters(update.filters)
            if player.track is not None:
                await self.send_player_update(player)
        if update.track is None:
            return
        if update.track.user_data_only:
            if player.track is not None:
                player.track = {**player.track, "userData": dict(update.user_data or {})}
            return
        if update.no_replace and player.track is not None:
            return
        new = update.track.track
        if new is None:
            await self.end_track(player, "stopped")
            return
        await self.start_track(
            player,
            new,
            position=update.position or 0,
            end_time=update.end_time,
            paused=bool(update.paused),
        )

    async def destroy_player(self, guild_id: int) -> bool:
        """Destroy a player (lavaplayer stops its track: TrackEndEvent ``stopped``)."""
        player = self.players.pop(guild_id, None)
        if player is None:
            return False
        await self.end_track(player, "stopped")
        return True
