"""One shard group on one fleet task: its gateway shards, its players and its queue consumer.

:meth:`GroupRunner.start` connects the group's shards, restores the players from their snapshots
(``PlayersRestored``), then starts consuming the group's queue and saving every player's position
every ``snapshot_interval_s``. How it stops depends on why (:class:`StopReason`):

``DRAIN`` (SIGTERM)
    stop receiving, let in-flight commands finish, save every player, then let go of the players
    without leaving voice or destroying them on Lavalink (the node keeps them for its session
    resume timeout), and close the shards.
``RELEASE`` (rebalancing: another task takes the group)
    the same, but the players leave voice, so the next owner joins a free channel.
``LOST`` (the lease expired or was taken)
    stop at once: in-flight commands are cancelled and handed back to the queue, nothing is saved
    (the fence would refuse it anyway), the players are destroyed on the node *without* a voice
    change (the new owner may already be in the channel), and the shards close.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from enum import Enum
from typing import Final, Protocol

import wavelink

from audio_fleet.discord_client import FleetClient
from audio_fleet.restore import PlayerRestorer, detach_player
from audio_fleet.snapshots import SnapshotKeeper
from encore.metrics import MetricsSink

__all__ = ["ConsumerLike", "GroupRunner", "StopReason"]

log = logging.getLogger(__name__)

#: How long a stop waits for players to leave voice before giving up on them.
LEAVE_TIMEOUT_S: Final = 5.0


class StopReason(Enum):
    DRAIN = "drain"
    RELEASE = "release"
    LOST = "lost"


class ConsumerLike(Protocol):
    """The part of :class:`~audio_fleet.consumer.CommandConsumer` a runner drives."""

    async def run(self) -> None: ...

    async def stop(self, deadline_s: float = 30.0) -> None: ...


class GroupRunner:
    def __init__(
        self,
        client: FleetClient,
        token: str,
        build_consumer: Callable[[FleetClient], ConsumerLike],
        *,
        keeper: SnapshotKeeper,
        restorer: PlayerRestorer,
        metrics: MetricsSink,
        snapshot_interval_s: float = 10.0,
    ) -> None:
        self.client = client
        self.group = client.group
        self._token = token
        self._build_consumer = build_consumer
        self._keeper = keeper
        self._restorer = restorer
        self._metrics = metrics
        self._snapshot_interval_s = snapshot_interval_s
        self.consumer: ConsumerLike | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._stopped = False

    @property
    def players(self) -> list[wavelink.Player]:
        return [vc for vc in self.client.voice_clients if isinstance(vc, wavelink.Player)]

    async def start(self, ready_timeout: float = 60.0) -> None:
        """Connect the shards, restore the players, start consuming. Raises if not ready in time."""
        await self.client.login(self._token)
        self._tasks.append(asyncio.create_task(self._gateway(), name=f"group-{self.group}-gateway"))
        async with asyncio.timeout(ready_timeout):
            await self.client.wait_until_ready()
        # Built (which wires the player observers: presence, usage, announcer) before the restore, so
        # a restored player's track start is seen like any other.
        consumer = self._build_consumer(self.client)
        self.consumer = consumer
        report = await self._restorer.restore(self.client)
        if report.restored:
            self._metrics.emit("PlayersRestored", report.restored)
        log.info("shard group %s: %d players restored, %d not", self.group, report.restored, report.skipped)
        self._tasks.append(asyncio.create_task(consumer.run(), name=f"group-{self.group}-consumer"))
        self._tasks.append(asyncio.create_task(self._save_positions(), name=f"group-{self.group}-positions"))
        log.info("shard group %s ready: shards %s", self.group, self.client.shard_ids)

    async def _gateway(self) -> None:
        await self.client.connect(reconnect=True)

    async def _save_positions(self) -> None:
        while True:
            await asyncio.sleep(self._snapshot_interval_s)
            try:
                await self._keeper.save_all(self.players)
            except Exception:  # a bug in one snapshot must not take the whole group down
                log.exception("shard group %s: periodic position save failed", self.group)

    async def wait(self) -> None:
        """Return (or raise) when the gateway or the consumer ends by itself."""
        if not self._tasks:
            return
        done, _ = await asyncio.wait(self._tasks, return_when=asyncio.FIRST_COMPLETED)
        if self._stopped:
            return  # stopped on purpose
        for task in done:
            if not task.cancelled():
                task.result()

    @property
    def stopped(self) -> bool:
        """True once :meth:`stop` was called."""
        return self._stopped

    async def stop(self, reason: StopReason, deadline_s: float = 30.0) -> None:
        """Stop as ``reason`` says (module docstring); idempotent."""
        if self._stopped:
            return
        self._stopped = True
        for task in self._tasks:
            if task.get_name().endswith("-positions"):
                task.cancel()
        if self.consumer is not None:
            await self.consumer.stop(0.0 if reason is StopReason.LOST else deadline_s)
        players = self.players
        if reason is StopReason.LOST:
            self.client.keeper = None  # the new owner's snapshots are not ours to touch
            self.client.observers = []
            await asyncio.gather(*(_destroy_on_node(p) for p in players), return_exceptions=True)
        else:
            await self._keeper.save_all(players)
            # What follows (leaving voice, track ends) must not overwrite the snapshots just saved
            # for the next owner, nor look like listeners leaving.
            self.client.keeper = None
            self.client.observers = []
            if reason is StopReason.DRAIN:
                for player in players:
                    detach_player(player)
            else:
                leaving = [p.disconnect() for p in players]
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(LEAVE_TIMEOUT_S):
                        await asyncio.gather(*leaving, return_exceptions=True)
        await self.client.close()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        log.info("shard group %s stopped (%s)", self.group, reason.value)


async def _destroy_on_node(player: wavelink.Player) -> None:
    """Stop ``player`` on Lavalink and forget it, without a voice state change on the gateway."""
    guild = player.guild
    detach_player(player)
    if guild is None:
        return
    with contextlib.suppress(wavelink.InvalidNodeException):
        node = player.node
        try:
            await node._destroy_player(guild.id)
        except Exception:
            log.debug("could not destroy the player of guild %s on its node", guild.id, exc_info=True)
