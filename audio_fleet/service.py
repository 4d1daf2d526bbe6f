"""The one place a fleet task is wired and run: gateway client, Lavalink pool, queue consumer."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Final

import aiohttp
import wavelink

from audio_fleet.consumer import CommandConsumer
from audio_fleet.controls import PlayerControls
from audio_fleet.discord_client import FleetClient
from audio_fleet.lavalink import close_nodes, connect_nodes
from audio_fleet.play import PlayCommand
from audio_fleet.player_commands import PlayerCommands
from audio_fleet.replies import InteractionReplies, WebhookReplies
from audio_fleet.snapshots import SnapshotKeeper
from encore.discord_api import use_discord_endpoints
from encore.errors import SettingsError
from encore.player_snapshot import MemorySnapshotStore, RedisSnapshotStore, SnapshotStore
from encore.queue import CommandSource
from encore.redis_client import redis_from_url
from encore.settings import Settings

__all__ = ["AudioFleet"]

log = logging.getLogger(__name__)


class AudioFleet:
    """One fleet task serving one shard group.

    ``start`` returns once the group's shards are READY and at least one Lavalink node is ready;
    ``close`` stops consuming, finishes in-flight commands, leaves voice and disconnects.
    """

    #: How long ``close`` waits for players to leave voice before giving up on them.
    LEAVE_TIMEOUT_S: Final = 5.0

    def __init__(
        self,
        settings: Settings,
        source: CommandSource,
        *,
        group: int | None = None,
        replies: InteractionReplies | None = None,
        guild_ready_timeout: float = 2.0,
        identify_delay_s: float = 5.0,
        wait_seconds: float | None = None,
        snapshots: SnapshotStore | None = None,
    ) -> None:
        """``snapshots`` is where player snapshots go (default: Redis with ``REDIS_URL``, else
        in-process, which only a front in the same process can read)."""
        if settings.discord_bot_token is None:
            raise SettingsError("DISCORD_BOT_TOKEN", "the fleet needs the bot token")
        if not settings.lavalink_nodes:
            raise SettingsError("LAVALINK_NODES", "the fleet needs at least one Lavalink node")
        self._settings = settings
        self._source = source
        self._replies = replies
        self._wait_seconds = settings.encore_queue_wait_seconds if wait_seconds is None else wait_seconds
        self.client = FleetClient(
            settings.shard_layout,
            settings.encore_shard_group if group is None else group,
            guild_ready_timeout=guild_ready_timeout,
            identify_delay_s=identify_delay_s,
        )
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._nodes: list[wavelink.Node] = []
        self._session: aiohttp.ClientSession | None = None
        self.consumer: CommandConsumer | None = None
        self._redis = None if snapshots is not None else redis_from_url(settings.redis_url)
        if snapshots is None:
            snapshots = RedisSnapshotStore(self._redis) if self._redis else MemorySnapshotStore()
        self.keeper = SnapshotKeeper(snapshots)
        self.client.keeper = self.keeper

    async def start(self, ready_timeout: float = 60.0) -> None:
        settings = self._settings
        assert settings.discord_bot_token is not None
        use_discord_endpoints(settings.discord_api_base, settings.discord_gateway_url)
        self._session = aiohttp.ClientSession()
        await self.client.login(settings.discord_bot_token.get_secret_value())
        self._tasks.append(asyncio.create_task(self._gateway(), name="fleet-gateway"))
        self._nodes = await connect_nodes(self.client, settings.lavalink_nodes, self._session)
        async with asyncio.timeout(ready_timeout):
            await self.client.wait_until_ready()
            await self.client.lavalink_ready.wait()
        replies = self._replies or WebhookReplies(self._session)
        controls = PlayerControls(self.client, self.keeper)
        commands = PlayerCommands(controls, sku_tiers=settings.encore_sku_tiers)
        self.consumer = CommandConsumer(
            self._source,
            {"play": PlayCommand(self.client, keeper=self.keeper), **commands.handlers()},
            replies,
            wait_seconds=self._wait_seconds,
        )
        self._tasks.append(asyncio.create_task(self.consumer.run(self._stop), name="fleet-consumer"))
        log.info("fleet ready: shard group %s, shards %s", self.client.group, self.client.shard_ids)

    async def _gateway(self) -> None:
        await self.client.connect(reconnect=True)

    async def wait(self) -> None:
        """Run until the gateway or the consumer stops (returns the first failure)."""
        done, _ = await asyncio.wait(self._tasks, return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            task.result()

    async def close(self) -> None:
        self._stop.set()
        consumer_tasks = [t for t in self._tasks if t.get_name() == "fleet-consumer"]
        if consumer_tasks:
            await asyncio.wait(consumer_tasks, timeout=30)
        # Leave voice everywhere, but never hang the shutdown on an unresponsive node or gateway.
        leaving = [vc.disconnect(force=True) for vc in list(self.client.voice_clients)]
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(self.LEAVE_TIMEOUT_S):
                await asyncio.gather(*leaving, return_exceptions=True)
        await close_nodes(self._nodes)
        await self.client.close()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._session is not None:
            await self._session.close()
        if self._redis is not None:
            await self._redis.aclose()
