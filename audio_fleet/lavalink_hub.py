"""The one ``discord.Client`` wavelink's Pool is bound to, whichever shard groups a task owns.

wavelink dispatches every Lavalink event on the client its node was connected with, and a node
needs that client's bot user id for as long as it lives. A fleet task's group clients come and go
with its leases, so the nodes are bound to a :class:`LavalinkHub` instead: logged in (REST only,
never on the gateway), it lives as long as the task. It forwards each event about a player to the
client that owns the player (its shard group's :class:`~audio_fleet.discord_client.FleetClient`),
and node-wide events (node ready, stats...) to every attached group client, so handlers written
on the group client see the events as if it were bound to the nodes itself.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import discord
import wavelink

from audio_fleet.nodes import NodeSupervisor
from audio_fleet.playback_events import PlaybackErrors

__all__ = ["LavalinkHub"]

log = logging.getLogger(__name__)


def _player_of(args: tuple[Any, ...]) -> wavelink.Player | None:
    if not args:
        return None
    first = args[0]
    if isinstance(first, wavelink.Player):
        return first
    player = getattr(first, "player", None)
    return player if isinstance(player, wavelink.Player) else None


class LavalinkHub(discord.Client):
    def __init__(self) -> None:
        super().__init__(intents=discord.Intents.none())
        self.lavalink_ready = asyncio.Event()
        self._clients: list[discord.Client] = []
        #: Told when a node is ready or lost (node choice, failover, recovery: audio_fleet.nodes).
        self.node_supervisor: NodeSupervisor | None = None
        #: Told of TrackException and TrackStuck events (audio_fleet.playback_events).
        self.playback_errors: PlaybackErrors | None = None

    def attach(self, client: discord.Client) -> None:
        """Forward node-wide events to ``client`` from now on."""
        if client not in self._clients:
            self._clients.append(client)

    def detach(self, client: discord.Client) -> None:
        if client in self._clients:
            self._clients.remove(client)

    def dispatch(self, event: str, /, *args: Any, **kwargs: Any) -> None:
        super().dispatch(event, *args, **kwargs)
        if not event.startswith("wavelink_"):
            return
        player = _player_of(args)
        if player is not None:
            targets = [player.client] if player.client is not self else []
        else:
            targets = list(self._clients)
        for client in targets:
            if not client.is_closed():
                client.dispatch(event, *args, **kwargs)

    async def on_wavelink_node_ready(self, payload: wavelink.NodeReadyEventPayload) -> None:
        log.info("lavalink node %s ready (resumed=%s)", payload.node.identifier, payload.resumed)
        if self.node_supervisor is not None:
            await self.node_supervisor.node_ready(payload.node, payload.resumed)
        self.lavalink_ready.set()

    async def on_wavelink_node_disconnected(self, payload: wavelink.NodeDisconnectedEventPayload) -> None:
        log.warning("lavalink node %s disconnected", payload.node.identifier)
        if self.node_supervisor is not None:
            await self.node_supervisor.node_lost(payload.node)

    async def on_wavelink_track_exception(self, payload: wavelink.TrackExceptionEventPayload) -> None:
        if self.playback_errors is not None:
            await self.playback_errors.track_exception(payload)

    async def on_wavelink_track_stuck(self, payload: wavelink.TrackStuckEventPayload) -> None:
        if self.playback_errors is not None:
            await self.playback_errors.track_stuck(payload)
