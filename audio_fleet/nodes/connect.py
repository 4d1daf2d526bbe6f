"""Connecting the fleet to its Lavalink nodes through wavelink's (process-global) Pool."""

from __future__ import annotations

import asyncio

import aiohttp
import discord
import wavelink

from audio_fleet.nodes.fleet_node import FleetNode
from encore.settings import LavalinkNode

__all__ = ["RESUME_TIMEOUT_S", "close_nodes", "connect_nodes"]

#: How long Lavalink keeps a session's players playing after the fleet's websocket went away.
RESUME_TIMEOUT_S = 60


async def connect_nodes(
    client: discord.Client,
    nodes: list[LavalinkNode],
    session: aiohttp.ClientSession,
    *,
    session_ids: dict[str, str] | None = None,
) -> list[FleetNode]:
    """Register ``nodes`` with wavelink's Pool; readiness arrives later as ``on_wavelink_node_ready``.

    ``session_ids`` (node name → Lavalink session id) are resumed: a fleet task that restarts within
    :data:`RESUME_TIMEOUT_S` finds its players still playing (``ready`` says ``resumed: true``)."""
    fleet_nodes: list[FleetNode] = []
    for node in nodes:
        fleet_node = FleetNode(
            identifier=node.name,
            uri=node.uri,
            password=node.password.get_secret_value(),
            session=session,
            resume_timeout=RESUME_TIMEOUT_S,
        )
        fleet_node.set_session_id((session_ids or {}).get(node.name))
        fleet_nodes.append(fleet_node)
    await wavelink.Pool.connect(nodes=fleet_nodes, client=client, cache_capacity=None)
    return fleet_nodes


async def close_nodes(nodes: list[FleetNode], *, keep_sessions: bool = False) -> None:
    """Close ``nodes`` and remove them from wavelink's global Pool (``Pool.close`` keeps them).

    ``keep_sessions`` (a draining task): only drop the websockets, so Lavalink keeps the players
    playing for :data:`RESUME_TIMEOUT_S` for the next process to resume; otherwise wavelink's close
    destroys every player on the node."""
    if keep_sessions:
        await asyncio.gather(*(_drop(node) for node in nodes), return_exceptions=True)
        return
    await asyncio.gather(*(node.close(eject=True) for node in nodes), return_exceptions=True)


async def _drop(node: FleetNode) -> None:
    websocket = node.websocket
    if websocket is not None:
        await websocket.cleanup()  # closes the socket; leaves the players on Lavalink
    pool: dict[str, wavelink.Node] = getattr(wavelink.Pool, "_Pool__nodes")  # noqa: B009 (name-mangled)
    pool.pop(node.identifier, None)
