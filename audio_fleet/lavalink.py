"""Connecting the fleet to its Lavalink nodes through wavelink's (process-global) Pool."""

from __future__ import annotations

import asyncio

import aiohttp
import discord
import wavelink

from encore.settings import LavalinkNode

__all__ = ["close_nodes", "connect_nodes"]


async def connect_nodes(
    client: discord.Client, nodes: list[LavalinkNode], session: aiohttp.ClientSession
) -> list[wavelink.Node]:
    """Register ``nodes`` with wavelink's Pool; readiness arrives later as ``on_wavelink_node_ready``."""
    wavelink_nodes = [
        wavelink.Node(
            identifier=node.name,
            uri=node.uri,
            password=node.password.get_secret_value(),
            session=session,
            resume_timeout=60,
        )
        for node in nodes
    ]
    await wavelink.Pool.connect(nodes=wavelink_nodes, client=client, cache_capacity=None)
    return wavelink_nodes


async def close_nodes(nodes: list[wavelink.Node]) -> None:
    """Close ``nodes`` and remove them from wavelink's global Pool (``Pool.close`` keeps them)."""
    await asyncio.gather(*(node.close(eject=True) for node in nodes), return_exceptions=True)
