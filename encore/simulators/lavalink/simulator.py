"""A simulated Lavalink v4 node: a real aiohttp server on a loopback port.

Usage (see the package docstring for the full surface)::

    async with LavalinkSimulator(playback_speed=100.0) as sim:
        node = wavelink.Node(uri=sim.uri, password=sim.password)
        ...
        player = await sim.wait_for_track(guild_id, "never gonna")
        await sim.finish_track(guild_id)

One ticker task, owned by the simulator, drives time: it ends tracks that reached their end,
sends ``playerUpdate`` every ``player_update_interval`` while a player has a track, ``stats`` every
``stats_interval``, and destroys resumable sessions whose timeout ran out. All of it reads the
injected ``clock``; with a fake clock call :meth:`LavalinkSimulator.tick` after moving it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket as socketlib
import time
from collections import deque
from collections.abc import Callable
from typing import Any, Final

from aiohttp import web

from encore.lifecycle import Startable
from encore.simulators.lavalink import ops
from encore.simulators.lavalink.catalogue import Catalogue
from encore.simulators.lavalink.faults import Faults
from encore.simulators.lavalink.lyrics import LyricsPlugin
from encore.simulators.lavalink.ops import JSON
from encore.simulators.lavalink.rest import WEBSOCKET_PATH, RestApi
from encore.simulators.lavalink.session import SentMessage, SimPlayer, SimSession
from encore.simulators.lavalink.websocket import WebsocketEndpoint
from encore.simulators.recording import RequestLog

__all__ = ["DEFAULT_VERSION", "LavalinkSimulator"]

logger = logging.getLogger(__name__)

DEFAULT_VERSION: Final = "4.2.1"
SOURCE_MANAGERS: Final = ("youtube", "soundcloud", "http")
FILTERS: Final = (
    "volume",
    "equalizer",
    "karaoke",
    "timescale",
    "tremolo",
    "vibrato",
    "distortion",
    "rotation",
    "channelMix",
    "lowPass",
)
SENT_LOG_LIMIT: Final = 50_000
_CLOSE_TIMEOUT: Final = 2.0
_MiB: Final = 1024 * 1024


class LavalinkSimulator(Startable):
    """A Lavalink v4 node on ``host:port`` that the real wavelink can use."""

    def __init__(
        self,
        password: str = "youshallnotpass",  # noqa: S107 -- Lavalink's well-known default
        host: str = "127.0.0.1",
        port: int = 0,
        catalogue: Catalogue | None = None,
        player_update_interval: float = 5.0,
        stats_interval: float = 60.0,
        playback_speed: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        name: str = "sim",
        *,
        version: str = DEFAULT_VERSION,
        cleanup_threshold: float = 60.0,
        tick_interval: float = 0.01,
    ) -> None:
        self.password = password
        self.host = host
        self.catalogue = catalogue if catalogue is not None else Catalogue.default()
        self.player_update_interval = player_update_interval
        self.stats_interval = stats_interval
        self.playback_speed = playback_speed
        self.clock = clock
        self.name = name
        self.version = version
        self.cleanup_threshold = cleanup_threshold
        self.tick_interval = tick_interval

        self.requests = RequestLog()
        #: Every op sent or queued, oldest first (the last ``SENT_LOG_LIMIT``).
        self.sent: deque[SentMessage] = deque(maxlen=SENT_LOG_LIMIT)
        self.sessions: dict[str, SimSession] = {}
        self.faults = Faults()
        self.lock = asyncio.Lock()
        #: The LavaLyrics plugin, when the node has it (set before ``start``).
        self.lyrics: LyricsPlugin | None = None

        self._port = port
        self._started_at = clock()
        self._runner: web.AppRunner | None = None
        self._crashing = False
        self._ticker: asyncio.Task[None] | None = None
        self._sockets: dict[web.WebSocketResponse, asyncio.Transport | None] = {}
        self._changed = asyncio.Event()

    def __repr__(self) -> str:
        return f"LavalinkSimulator(name={self.name!r}, uri={self.uri!r}, sessions={len(self.sessions)})"

    # -- lifecycle ----------------------------------------------------------------------------

    @property
    def port(self) -> int:
        """The bound port once started (the requested one before)."""
        return self._port

    @property
    def uri(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self._port}"

    @property
    def running(self) -> bool:
        return self._runner is not None

    async def start(self) -> None:
        if self._runner is not None:
            raise RuntimeError(f"{self!r} is already running")
        self._started_at = self.clock()
        await self._start_server()
        self._ticker = asyncio.create_task(self._run_ticker(), name=f"lavalink-sim-{self.name}")
        logger.info("%s: Lavalink simulator listening on %s", self.name, self.uri)

    async def close(self) -> None:
        """Stop listening, close every socket (1001 going away) and stop the ticker."""
        if self._ticker is not None:
            self._ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._ticker
            self._ticker = None
        await self._stop_server(crash=False)

    async def _start_server(self) -> None:
        family = socketlib.AF_INET6 if ":" in self.host else socketlib.AF_INET
        sock = socketlib.socket(family, socketlib.SOCK_STREAM)
        try:
            sock.setsockopt(socketlib.SOL_SOCKET, socketlib.SO_REUSEADDR, 1)
            sock.bind((self.host, self._port))
            sock.setblocking(False)
        except OSError:
            sock.close()
            raise
        self._port = sock.getsockname()[1]
        rest = RestApi(self)
        app = web.Application(middlewares=[rest.middleware])
        app.on_shutdown.append(self._on_shutdown)
        app.router.add_get(WEBSOCKET_PATH, WebsocketEndpoint(self).handle)
        app.add_routes(rest.routes())
        if self.lyrics is not None:
            app.add_routes(self.lyrics.routes(self))
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        await web.SockSite(runner, sock).start()
        self._runner = runner

    async def _stop_server(self, *, crash: bool) -> None:
        """Stop listening first, then drop (``crash``) or close the websockets, then the rest."""
        runner, self._runner = self._runner, None
        if runner is not None:
            self._crashing = crash
            await runner.cleanup()

    async def _on_shutdown(self, _app: web.Application) -> None:
        # aiohttp calls this after the listening socket is closed: a client reconnecting at once
        # is refused instead of reaching the old server.
        if self._crashing:
            await self.abort_websockets()
        else:
            await self.close_websockets(1001, "Shutting down")

    # -- connection faults ----------------------------------------------------------------------

    async def close_websockets(self, code: int = 1000, reason: str = "") -> None:
        """Close every websocket with a proper close frame (wavelink 3.5.2 then stalls)."""
        sockets = list(self._sockets.items())

        async def close_one(socket: web.WebSocketResponse, transport: Any) -> None:
            try:
                await asyncio.wait_for(
                    socket.close(code=code, message=reason.encode("utf-8")), _CLOSE_TIMEOUT
                )
            except (TimeoutError, ConnectionError):
                if transport is not None:  # the peer never answered the close: drop it
                    transport.abort()

        await asyncio.gather(*(close_one(socket, transport) for socket, transport in sockets))
        await self._settle(sockets)

    async def abort_websockets(self) -> None:
        """Drop every websocket's TCP connection without a close frame, as a crash would."""
        sockets = list(self._sockets.items())
        for _socket, transport in sockets:
            if transport is not None:
                transport.abort()
        await self._settle(sockets)

    async def crash(self) -> None:
        """The node process dies: connections dropped without close frames, nothing listening,
        every session and player gone. :meth:`start` brings it back empty (``resumed: false``)."""
        if self._ticker is not None:
            self._ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._ticker
            self._ticker = None
        await self._stop_server(crash=True)
        async with self.lock:
            for session in list(self.sessions.values()):
                self.destroy_session(session)
        self.notify()

    async def push_stats(self) -> None:
        """Send every connected session its ``stats`` op now (Lavalink sends one a minute)."""
        async with self.lock:
            for session in list(self.sessions.values()):
                if session.connected:
                    await session.send(self.stats(session))

    async def restart(self, wipe_sessions: bool = True, downtime: float = 0.0) -> None:
        """Crash and come back on the same port after ``downtime`` seconds.

        Connections are dropped without close frames. With ``wipe_sessions`` the node forgets every
        session and player (the next ``ready`` is ``resumed: false``); without it, sessions wait to
        be resumed as after a network drop.
        """
        await self._stop_server(crash=True)
        if wipe_sessions:
            async with self.lock:
                for session in list(self.sessions.values()):
                    self.destroy_session(session)
            self._started_at = self.clock()
        if downtime > 0:
            await asyncio.sleep(downtime)
        await self._start_server()
        self.notify()

    async def _settle(self, sockets: list[tuple[web.WebSocketResponse, Any]]) -> None:
        """Let the socket handlers notice the closes and detach their sessions."""
        with contextlib.suppress(TimeoutError):
            await self.wait_until(
                lambda: not any(socket in self._sockets for socket, _ in sockets), _CLOSE_TIMEOUT
            )

    # -- inspection -----------------------------------------------------------------------------

    def player(self, guild_id: int) -> SimPlayer | None:
        """The player of ``guild_id`` in any session (connected sessions first)."""
        found = self._owner(guild_id)
        return found[1] if found else None

    def stats(self, session: SimSession | None = None) -> JSON:
        """The stats object; with ``session``, the websocket op (with that session's frameStats)."""
        players = [p for s in self.sessions.values() for p in s.players.values()]
        body: JSON = {
            "players": len(players),
            "playingPlayers": sum(1 for p in players if p.playing),
            "uptime": int((self.clock() - self._started_at) * 1000),
            "memory": {
                "free": 180 * _MiB,
                "used": 90 * _MiB,
                "allocated": 270 * _MiB,
                "reservable": 4096 * _MiB,
            },
            "cpu": {
                "cores": os.cpu_count() or 1,
                "systemLoad": self.faults.system_load,
                "lavalinkLoad": self.faults.lavalink_load,
            },
        }
        if session is None:
            return body
        sending = [p for p in session.players.values() if p.progressing]
        frame_stats: JSON | None = None
        if sending:
            nulled, deficit = self.faults.frames_nulled, self.faults.frames_deficit
            sent = max(0, ops.EXPECTED_FRAMES_PER_MINUTE - nulled - deficit)
            frame_stats = {"sent": sent, "nulled": nulled, "deficit": deficit}
        return {"op": "stats", **body, "frameStats": frame_stats}

    def info(self) -> JSON:
        core, _, build = self.version.partition("+")
        semver, _, pre_release = core.partition("-")
        major, minor, patch = (int(part) for part in [*semver.split("."), "0", "0"][:3])
        built = int(time.time() * 1000) - 86_400_000
        return {
            "version": {
                "semver": self.version,
                "major": major,
                "minor": minor,
                "patch": patch,
                "preRelease": pre_release or None,
                "build": build or None,
            },
            "buildTime": built,
            "git": {"branch": "main", "commit": "5imu1a7", "commitTime": built},
            "jvm": "17.0.12",
            "lavaplayer": "2.2.3",
            "sourceManagers": list(SOURCE_MANAGERS),
            "filters": list(FILTERS),
            "plugins": [self.lyrics.info] if self.lyrics is not None else [],
        }

    # -- waiting --------------------------------------------------------------------------------

    def notify(self) -> None:
        """Wake everything waiting for the simulator's state to change."""
        self._changed.set()
        self._changed = asyncio.Event()

    async def wait_until(self, predicate: Callable[[], bool], timeout: float = 5.0) -> None:
        """Return once ``predicate()`` holds (re-checked after every change), or time out."""
        async with asyncio.timeout(timeout):
            while True:
                changed = self._changed
                if predicate():
                    return
                await changed.wait()

    async def wait_for_track(self, guild_id: int, title_contains: str, timeout: float = 5.0) -> SimPlayer:
        """Wait until ``guild_id``'s player plays a track whose title contains the text."""
        needle = title_contains.casefold()

        def playing() -> bool:
            player = self.player(guild_id)
            return bool(player and player.track and needle in player.track["info"]["title"].casefold())

        await self.wait_until(playing, timeout)
        player = self.player(guild_id)
        assert player is not None
        return player

    async def wait_for_sent(
        self, predicate: Callable[[SentMessage], bool], timeout: float = 5.0
    ) -> SentMessage:
        """The first message sent (or queued) that matches ``predicate``."""
        found: list[SentMessage] = []

        def matched() -> bool:
            found[:] = [m for m in self.sent if predicate(m)][:1]
            return bool(found)

        await self.wait_until(matched, timeout)
        return found[0]

    def record_sent(self, message: SentMessage) -> None:
        self.sent.append(message)
        self.notify()

    # -- playback control and events ------------------------------------------------------------

    async def finish_track(self, guild_id: int) -> None:
        """Jump the current track to its end: TrackEndEvent ``finished``, track cleared."""
        async with self.lock:
            session, player = self._playing(guild_id)
            await session.end_track(player, "finished")
        self.notify()

    async def emit_event(self, guild_id: int, event: JSON) -> None:
        """Send a raw event op (``op``/``guildId`` are filled in) to the player's session."""
        async with self.lock:
            session, _player = self._require_owner(guild_id)
            await session.send_event({"op": "event", "guildId": str(guild_id), **event})
        self.notify()

    async def emit_track_exception(
        self,
        guild_id: int,
        message: str | None = "Something broke while playing the track.",
        severity: str = "common",
        cause: str = "java.lang.RuntimeException: simulated",
        *,
        end_track: bool = True,
    ) -> None:
        """TrackExceptionEvent for the current track, then (as lavaplayer does) TrackEndEvent
        ``loadFailed`` unless ``end_track`` is false."""
        async with self.lock:
            session, player = self._playing(guild_id)
            track = player.current_track()
            assert track is not None
            await session.send_event(
                ops.track_exception(guild_id, track, message=message, severity=severity, cause=cause)
            )
            if end_track:
                await session.end_track(player, "loadFailed")
        self.notify()

    async def emit_track_stuck(self, guild_id: int, threshold_ms: int = 10_000) -> None:
        """TrackStuckEvent for the current track (the track keeps its place)."""
        async with self.lock:
            session, player = self._playing(guild_id)
            track = player.current_track()
            assert track is not None
            await session.send_event(ops.track_stuck(guild_id, track, threshold_ms))
        self.notify()

    async def emit_websocket_closed(
        self,
        guild_id: int,
        code: int = 4006,
        reason: str = "",
        by_remote: bool = True,
        *,
        drop_voice: bool = True,
    ) -> None:
        """WebSocketClosedEvent (Discord voice gateway closed); by default the player also loses
        its voice connection, so playback stops progressing until a new voice state arrives."""
        async with self.lock:
            session, player = self._require_owner(guild_id)
            await session.send_event(ops.websocket_closed(guild_id, code, reason, by_remote=by_remote))
            if drop_voice:
                player.set_voice(None)
        self.notify()

    # -- time -----------------------------------------------------------------------------------

    async def tick(self) -> None:
        """Do what is due now: track ends, cleanups, playerUpdates, stats, resume timeouts."""
        async with self.lock:
            now = self.clock()
            for session in list(self.sessions.values()):
                if not session.connected and not session.resumable(now):
                    self.destroy_session(session)
                    continue
                for player in list(session.players.values()):
                    await self._tick_player(session, player, now)
                due = session.next_stats_at
                if session.connected and due is not None and now >= due:
                    await session.send(self.stats(session))
                    session.next_stats_at = max(due + self.stats_interval, now)

    async def _tick_player(self, session: SimSession, player: SimPlayer, now: float) -> None:
        if player.reached_end:
            await session.end_track(player, "finished")
        elif player.track is not None and player.stalled_for(now) >= self.cleanup_threshold:
            await session.end_track(player, "cleanup")
        due = player.next_update_at
        if session.connected and player.track is not None and due is not None and now >= due:
            await session.send_player_update(player)
            player.next_update_at = max(due + self.player_update_interval, now)

    async def _run_ticker(self) -> None:
        while True:
            try:
                await self.tick()
            except Exception:
                logger.exception("%s: simulator tick failed", self.name)
            await asyncio.sleep(self.tick_interval)

    # -- helpers for the endpoints ----------------------------------------------------------------

    def track_socket(self, socket: web.WebSocketResponse, transport: asyncio.Transport | None) -> None:
        self._sockets[socket] = transport

    def untrack_socket(self, socket: web.WebSocketResponse) -> None:
        self._sockets.pop(socket, None)
        self.notify()

    def destroy_session(self, session: SimSession) -> None:
        if self.sessions.get(session.id) is session:
            del self.sessions[session.id]
        session.players.clear()

    def _owner(self, guild_id: int) -> tuple[SimSession, SimPlayer] | None:
        sessions = sorted(self.sessions.values(), key=lambda s: not s.connected)
        for session in sessions:
            player = session.players.get(guild_id)
            if player is not None:
                return session, player
        return None

    def _require_owner(self, guild_id: int) -> tuple[SimSession, SimPlayer]:
        found = self._owner(guild_id)
        if found is None:
            raise LookupError(f"no player for guild {guild_id} on {self!r}")
        return found

    def _playing(self, guild_id: int) -> tuple[SimSession, SimPlayer]:
        session, player = self._require_owner(guild_id)
        if player.track is None:
            raise LookupError(f"the player of guild {guild_id} has no track")
        return session, player
