"""The discord.py client of one shard group: only the intents a music bot needs."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import discord
import wavelink

from audio_fleet.snapshots import SnapshotKeeper
from encore.routing import ShardLayout

__all__ = ["FleetClient"]

log = logging.getLogger(__name__)


class FleetClient(discord.AutoShardedClient):
    """Connects the shards of one group; exposes readiness of the gateway and of Lavalink nodes."""

    def __init__(
        self,
        layout: ShardLayout,
        group: int,
        *,
        guild_ready_timeout: float = 2.0,
        identify_delay_s: float = 5.0,
    ) -> None:
        intents = discord.Intents.none()
        intents.guilds = True
        intents.voice_states = True
        super().__init__(
            intents=intents,
            shard_count=layout.shard_count,
            shard_ids=list(layout.shards_in_group(group)),
            guild_ready_timeout=guild_ready_timeout,
            chunk_guilds_at_startup=False,
        )
        self.group = group
        self._identify_delay_s = identify_delay_s
        self.lavalink_ready = asyncio.Event()
        self.keeper: SnapshotKeeper | None = None

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        # Discord allows max_concurrency identifies per 5 s; discord.py waits 5 s before every
        # identify but the first. The delay is configurable so the sandbox connects at once.
        if not initial:
            await asyncio.sleep(self._identify_delay_s)

    async def on_wavelink_track_start(self, payload: wavelink.TrackStartEventPayload) -> None:
        if self.keeper is not None and payload.player is not None:
            await self.keeper.save(payload.player)

    async def on_wavelink_track_end(self, payload: wavelink.TrackEndEventPayload) -> None:
        if self.keeper is not None and payload.player is not None:
            await self.keeper.save(payload.player)

    async def on_wavelink_node_ready(self, payload: Any) -> None:
        log.info("lavalink node %s ready (resumed=%s)", payload.node.identifier, payload.resumed)
        self.lavalink_ready.set()
