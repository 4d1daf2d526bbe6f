"""Keeping the music on a working Lavalink node: node choice, watchdog, failover and recovery.

wavelink 3.5.2 leaves all of this to the application (see the simulators brief):

* **choice**: new players and track loads go to the ready node with the lowest load penalty
  (:mod:`audio_fleet.nodes.penalty`), not to wavelink's fewest-players node;
* **watchdog**: a node whose websocket loop died on a close frame (wavelink then neither reconnects
  nor reports it) or that has sent nothing for ``silence_s`` is reconnected, which makes wavelink
  report it disconnected;
* **failover**: when a node is lost, each of its players moves to the best other ready node and
  replays its track at the position it had when the node was lost, with its volume, filters and
  pause state; its queue stays in the wavelink Player. A player with nowhere to go waits
  (an *orphan*) until some node is ready;
* **recovery**: a node that comes back with ``resumed: false`` has forgotten its players: they are
  placed again the same way. One that comes back resumed still plays the players that moved away
  meanwhile: they are destroyed there so only one node sends audio.

Metrics: ``NodeUp`` on every change and for every node each report interval (with ``ActivePlayers``),
``NodePlayers``/``NodeFrameDeficit`` on every stats op, ``NodeFailovers`` per player moved off a lost node.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Final

import aiohttp
import discord
import wavelink

from audio_fleet.fleet_player import FleetPlayer
from audio_fleet.nodes.fleet_node import FleetNode
from audio_fleet.nodes.penalty import NodeLoad, choose
from audio_fleet.nodes.sessions import NodeSessions
from audio_fleet.track_starts import replaying
from encore.metrics import MetricsSink, NullSink

__all__ = ["NodeSupervisor", "node_load"]

log = logging.getLogger(__name__)

#: Lavalink sends stats every 60 s: a node silent for longer than this is presumed hung.
DEFAULT_SILENCE_S: Final = 90.0
#: How many players move at once during a failover.
MOVE_CONCURRENCY: Final = 16
_MOVE_ERRORS: Final = (
    wavelink.LavalinkException,
    wavelink.NodeException,
    aiohttp.ClientError,
    RuntimeError,
    TimeoutError,
)


def node_load(node: wavelink.Node, stats: wavelink.StatsEventPayload | None) -> NodeLoad:
    """The penalty inputs for ``node``: its last stats, and at least the players this task put there
    since (stats come once a minute; a burst of new players must not all pick the same node)."""
    local = len(node.players)
    if stats is None:
        return NodeLoad(playing=local)
    frames = stats.frames
    return NodeLoad(
        playing=max(stats.playing, local),
        system_load=stats.cpu.system_load,
        frames_deficit=frames.deficit if frames is not None else None,
        frames_nulled=frames.nulled if frames is not None else None,
    )


@dataclass(slots=True)
class _Orphan:
    player: wavelink.Player
    position: int
    lost_node: str


class NodeSupervisor:
    """Watches the fleet's nodes and keeps every player on a working one."""

    def __init__(
        self,
        nodes: Iterable[FleetNode],
        *,
        metrics: MetricsSink | None = None,
        silence_s: float = DEFAULT_SILENCE_S,
        check_interval_s: float = 0.5,
        sessions: NodeSessions | None = None,
        report_interval_s: float = 60.0,
    ) -> None:
        """``sessions`` keeps each node's session id for the next process to resume."""
        self.nodes: dict[str, FleetNode] = {node.identifier: node for node in nodes}
        self._metrics = metrics or NullSink()
        self._silence_s = silence_s
        self._check_interval_s = check_interval_s
        self._lock = asyncio.Lock()
        self._orphans: dict[int, _Orphan] = {}
        self._down: set[str] = set()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._watchdog: asyncio.Task[None] | None = None
        self._stats_seen: dict[str, int] = {}
        self._sessions = sessions
        #: Guilds moved off each node: destroyed there if the node comes back resumed.
        self._moved_from: dict[str, set[int]] = {}
        #: Nodes whose last ``ready`` resumed a session: they may play players an earlier process made.
        self._resumed: set[str] = set()
        self._closed = False
        #: How often every node's NodeUp and the task's ActivePlayers are reported, changed or not:
        #: an alarm on a node that stays down needs a value every period, not only on the change.
        self._report_interval_s = report_interval_s
        self._last_report: float | None = None
        for node in self.nodes.values():
            node.on_stalled = self._stalled

    # -- lifecycle --------------------------------------------------------------------------

    def start(self) -> None:
        if self._watchdog is None:
            self._watchdog = asyncio.create_task(self._watch(), name="lavalink-watchdog")

    async def close(self) -> None:
        """Stop watching: nodes closing from now on are the fleet's own doing, not failures."""
        self._closed = True
        tasks = [t for t in (self._watchdog, *self._tasks) if t is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._watchdog = None
        self._tasks.clear()

    # -- choice ------------------------------------------------------------------------------

    def ready(self, node: FleetNode) -> bool:
        """Connected, its loop alive, and not given up on by the watchdog."""
        websocket = node.websocket
        task = websocket.keep_alive_task if websocket is not None else None
        return (
            node.status is wavelink.NodeStatus.CONNECTED
            and node.identifier not in self._down
            and task is not None
            and not task.done()
        )

    def best(self, exclude: Iterable[str] = ()) -> FleetNode | None:
        """The ready node with the lowest load penalty (None when no node is ready)."""
        excluded = set(exclude)
        return choose(
            (node, name, node_load(node, node.last_stats))
            for name, node in self.nodes.items()
            if name not in excluded and self.ready(node)
        )

    def make_player(self, client: discord.Client, channel: discord.abc.Connectable) -> wavelink.Player:
        """``channel.connect(cls=supervisor.make_player)``: a Player on the best node (a
        :class:`~audio_fleet.fleet_player.FleetPlayer`, which reports Discord's disconnects)."""
        node = self.best()
        if node is None:
            raise wavelink.InvalidNodeException("no Lavalink node is ready")
        return FleetPlayer(client, channel, nodes=[node])

    def player_on(
        self, node: wavelink.Node
    ) -> Callable[[discord.Client, discord.abc.Connectable], wavelink.Player]:
        """``channel.connect(cls=supervisor.player_on(node))``: a Player on ``node`` itself (one that
        already has the guild's player, see :meth:`live_players`)."""

        def make(client: discord.Client, channel: discord.abc.Connectable) -> wavelink.Player:
            return FleetPlayer(client, channel, nodes=[node])

        return make

    async def live_players(self) -> dict[int, FleetNode]:
        """Guild → the resumed node that still has a player for it that this process does not know
        (``GET /v4/sessions/{id}/players``): what an earlier process left playing across its restart.
        A node that cannot say is left out (its guilds are restored from their snapshots)."""
        found: dict[int, FleetNode] = {}
        for name in sorted(self._resumed):
            node = self.nodes.get(name)
            if node is None or not self.ready(node):
                continue
            try:
                players = await node.fetch_players()
            except _MOVE_ERRORS as exc:
                log.warning("lavalink node %s: could not list its players: %r", name, exc)
                continue
            for player in players:
                if player.guild_id not in node._players:
                    found.setdefault(player.guild_id, node)
        return found

    @property
    def orphans(self) -> int:
        """Players waiting for a ready node."""
        return len(self._orphans)

    # -- events (the client forwards wavelink's) -----------------------------------------------

    async def node_ready(self, node: wavelink.Node, resumed: bool) -> None:
        fleet_node = self.nodes.get(node.identifier)
        if fleet_node is None or self._closed:
            return
        async with self._lock:
            self._down.discard(node.identifier)
            self._metrics.emit("NodeUp", 1, Node=node.identifier)
            if self._sessions is not None and node.session_id is not None:
                await self._sessions.save(node.identifier, node.session_id)
            if resumed:
                self._resumed.add(node.identifier)
                await self._drop_moved_players(fleet_node)
                self._reattach(fleet_node)
            else:
                # The node forgot every player it had: they must be placed again.
                self._resumed.discard(node.identifier)
                self._adopt(fleet_node)
            await self._place_orphans()

    async def node_lost(self, node: wavelink.Node) -> None:
        fleet_node = self.nodes.get(node.identifier)
        if fleet_node is None or self._closed:
            return
        async with self._lock:
            self._down.add(node.identifier)
            self._metrics.emit("NodeUp", 0, Node=node.identifier)
            self._adopt(fleet_node)
            await self._place_orphans()

    # -- watchdog ------------------------------------------------------------------------------

    def _stalled(self, node: FleetNode, _exc: BaseException) -> None:
        self._spawn(self.reconnect(node))

    async def reconnect(self, node: FleetNode) -> None:
        """Drop the node's websocket and let wavelink reconnect (resuming its session if it can).

        wavelink reports the node disconnected when it starts reconnecting, which moves the players."""
        websocket = node.websocket
        if websocket is None:
            return
        if websocket.keep_alive_task is not None:
            websocket.keep_alive_task.cancel()
        old = websocket.socket
        if old is not None and not old.closed:
            self._spawn(_close_quietly(old))
        await websocket.connect()

    def report(self) -> None:
        """Emit NodeUp for every node and ActivePlayers for this task, whatever changed."""
        for node in self.nodes.values():
            self._metrics.emit("NodeUp", 1 if self.ready(node) else 0, Node=node.identifier)
        players = sum(len(node._players) for node in self.nodes.values()) + len(self._orphans)
        self._metrics.emit("ActivePlayers", players)

    async def _watch(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(self._check_interval_s)
            now = loop.time()
            if self._last_report is None or now - self._last_report >= self._report_interval_s:
                self._last_report = now
                self.report()
            for node in list(self.nodes.values()):
                try:
                    self._check(node)
                except Exception:
                    log.exception("lavalink watchdog: checking %s failed", node.identifier)

    def _check(self, node: FleetNode) -> None:
        stats = node.last_stats
        if stats is not None and self._stats_seen.get(node.identifier) != id(stats):
            self._stats_seen[node.identifier] = id(stats)
            self._metrics.emit("NodePlayers", stats.players, Node=node.identifier)
            deficit = stats.frames.deficit if stats.frames is not None else 0
            self._metrics.emit("NodeFrameDeficit", deficit, Node=node.identifier)
        websocket = node.websocket
        if websocket is None:
            return
        now = node.clock()
        if node.status is wavelink.NodeStatus.CONNECTING:
            # The socket is open but ``ready`` never came (a hung node): try again.
            since = node.connecting_since
            if websocket.is_connected() and since is not None and now - since > self._silence_s:
                log.warning(
                    "lavalink node %s: no ready after %.0f s, reconnecting", node.identifier, now - since
                )
                self._spawn(self.reconnect(node))
            return
        if node.status is not wavelink.NodeStatus.CONNECTED or node.identifier in self._down:
            return
        task = websocket.keep_alive_task
        silent = node.last_heard is not None and now - node.last_heard > self._silence_s
        if silent or (task is not None and task.done()):
            why = "silent" if silent else "stalled"
            log.warning("lavalink node %s: %s, reconnecting", node.identifier, why)
            self._down.add(node.identifier)  # not chosen while it reconnects
            self._spawn(self.reconnect(node))

    # -- moving players -----------------------------------------------------------------------

    def _adopt(self, node: FleetNode) -> None:
        """Take every player off ``node`` as an orphan, at the position it has now."""
        for guild_id, player in list(node._players.items()):
            if guild_id not in self._orphans:
                self._orphans[guild_id] = _Orphan(player, player.position, node.identifier)
        node._players.clear()

    async def _place_orphans(self) -> None:
        if not self._orphans:
            return
        semaphore = asyncio.Semaphore(MOVE_CONCURRENCY)

        async def place(guild_id: int, orphan: _Orphan) -> None:
            async with semaphore:
                target = self.best()
                if target is None:
                    return
                del self._orphans[guild_id]
                if await self._move(orphan, target):
                    self._metrics.emit("NodeFailovers", 1, Node=orphan.lost_node)
                    if orphan.lost_node != target.identifier:
                        self._moved_from.setdefault(orphan.lost_node, set()).add(guild_id)

        await asyncio.gather(*(place(gid, orphan) for gid, orphan in list(self._orphans.items())))

    async def _move(self, orphan: _Orphan, target: FleetNode) -> bool:
        """Put ``orphan``'s player on ``target`` and replay its track (wavelink's switch_node without
        telling the lost node, which may never answer)."""
        player = orphan.player
        guild = player.guild
        if guild is None or not player.connected or guild.voice_client is not player:
            return False  # it left voice meanwhile
        player._node = target
        try:
            await player._dispatch_voice_update()
            if not player.connected:
                return False  # wavelink disconnected it: the node refused the voice state
            target._players[guild.id] = player
            current = player.current
            if current is None:
                await player.set_filters(player.filters)
                await player.set_volume(player.volume)
                await player.pause(player.paused)
            else:
                previous = player._previous
                replaying(player, current, orphan.position)  # the same play, on another node
                await player.play(
                    current,
                    replace=True,
                    start=orphan.position,
                    volume=player.volume,
                    filters=player.filters,
                    paused=player.paused,
                    add_history=False,
                )
                player._previous = previous
        except _MOVE_ERRORS as exc:
            log.warning("moving guild %s to node %s failed: %r", guild.id, target.identifier, exc)
            target._players.pop(guild.id, None)
            self._orphans.setdefault(guild.id, orphan)
            return False
        log.info(
            "guild %s moved from node %s to %s at %d ms",
            guild.id,
            orphan.lost_node,
            target.identifier,
            orphan.position,
        )
        return True

    def _reattach(self, node: FleetNode) -> None:
        """Players still waiting since ``node`` was lost are playing there again (it resumed)."""
        for guild_id, orphan in list(self._orphans.items()):
            if orphan.lost_node == node.identifier and orphan.player.node is node:
                node._players[guild_id] = orphan.player
                del self._orphans[guild_id]

    async def _drop_moved_players(self, node: FleetNode) -> None:
        """A resumed node still plays the players that moved away meanwhile: destroy them there.
        (Players this process never knew, e.g. after a fleet restart, are left for the restore.)"""
        moved = self._moved_from.pop(node.identifier, set())
        for guild_id in moved - set(node._players):
            with contextlib.suppress(*_MOVE_ERRORS):
                await node._destroy_player(guild_id)

    def _spawn(self, coro: Any) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


async def _close_quietly(socket: aiohttp.ClientWebSocketResponse) -> None:
    with contextlib.suppress(Exception):
        async with asyncio.timeout(2.0):
            await socket.close()
