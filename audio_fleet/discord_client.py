"""The discord.py client of one shard group: only the intents a music bot needs."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

import discord
import wavelink

from audio_fleet import track_starts
from audio_fleet.player_events import PlayerEvent, PlayerObserver
from audio_fleet.snapshots import SnapshotKeeper
from audio_fleet.voice_recovery import rejoin_voice
from encore.routing import ShardLayout

__all__ = ["FleetClient", "IdentifyGuard"]

log = logging.getLogger(__name__)


class IdentifyGuard(Protocol):
    """Spaces and counts IDENTIFYs fleet-wide (:class:`audio_fleet.identify_budget.IdentifyLimits`)."""

    async def before_identify(self, shard_id: int) -> None: ...


class FleetClient(discord.AutoShardedClient):
    """Connects the shards of one group; exposes readiness of the gateway and of Lavalink nodes."""

    def __init__(
        self,
        layout: ShardLayout,
        group: int,
        *,
        guild_ready_timeout: float = 2.0,
        identify_delay_s: float = 5.0,
        identify_guard: IdentifyGuard | None = None,
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
        self._identify_guard = identify_guard
        self.lavalink_ready = asyncio.Event()
        self.keeper: SnapshotKeeper | None = None
        #: Told of every track start and end, and of voice changes in a guild with a player.
        self.observers: list[PlayerObserver] = []
        #: Told of every TrackEndEvent (with its reason) first, while the queue is as the end left it.
        self.track_end_listeners: list[Callable[[wavelink.TrackEndEventPayload], Awaitable[None]]] = []

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        # Discord allows max_concurrency identifies per 5 s; discord.py waits 5 s before every
        # identify but the first. The delay is configurable so the sandbox connects at once.
        # With a guard (Redis), the wait is fleet-wide per bucket and every identify is counted.
        if self._identify_guard is not None:
            await self._identify_guard.before_identify(shard_id or 0)
        elif not initial:
            await asyncio.sleep(self._identify_delay_s)

    async def on_wavelink_track_start(self, payload: wavelink.TrackStartEventPayload) -> None:
        if payload.player is not None:
            track_starts.started(payload.player, payload.track)  # before anyone reads the position
        if self.keeper is not None and payload.player is not None:
            await self.keeper.save(payload.player)
        await self._tell(payload.player, "track_start")

    async def on_wavelink_track_end(self, payload: wavelink.TrackEndEventPayload) -> None:
        for listener in self.track_end_listeners:
            try:
                await listener(payload)
            except Exception:
                log.exception("track end listener %r failed", listener)
        if self.keeper is not None and payload.player is not None:
            await self.keeper.save(payload.player)
        await self._tell(payload.player, "track_end")

    async def on_voice_state_update(
        self, member: discord.Member, before: discord.VoiceState, after: discord.VoiceState
    ) -> None:
        voice_client = member.guild.voice_client
        player = voice_client if isinstance(voice_client, wavelink.Player) else None
        ours = player is not None and self.user is not None and member.id == self.user.id
        if ours and player is not None and self.keeper is not None and after.channel is not None:
            # Moved to another channel: the snapshot's channel is where a restore rejoins.
            await self.keeper.save(player)
        await self._tell(player, "voice")

    async def on_fleet_voice_lost(self, player: wavelink.Player) -> None:
        """Discord took the bot out of voice (a moderator's disconnect, the channel deleted): wavelink
        destroyed the player on Lavalink; the observers clean up (queue, snapshot, announcement)."""
        log.info("guild %s: disconnected from voice by Discord", player.guild.id if player.guild else None)
        await self._tell(player, "disconnected")

    async def on_shard_ready(self, shard_id: int) -> None:
        """After a new IDENTIFY Discord has ended the shard's voice connections: rejoin them
        (:mod:`audio_fleet.voice_recovery`); a player whose channel is gone is cleaned up."""
        report = await rejoin_voice(self, shard_id)
        for player in report.lost:
            try:
                await player.disconnect(force=True)
            except Exception:
                log.exception("guild %s: leaving voice failed", player.guild.id if player.guild else None)
            await self._tell(player, "disconnected")

    async def _tell(self, player: wavelink.Player | None, event: PlayerEvent) -> None:
        if player is None:
            return
        for observer in self.observers:
            try:
                await observer.player_changed(player, event)
            except Exception:
                log.exception("player observer %r failed on %s", observer, event)

    async def on_wavelink_node_ready(self, payload: Any) -> None:
        log.info("lavalink node %s ready (resumed=%s)", payload.node.identifier, payload.resumed)
        self.lavalink_ready.set()
