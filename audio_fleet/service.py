"""The one place a fleet task is wired and run: Lavalink hub, one runner per shard group, leases.

A fleet task connects to the Lavalink nodes once (through a :class:`~audio_fleet.lavalink_hub.
LavalinkHub`) and runs one :class:`~audio_fleet.group_runner.GroupRunner` (gateway shards, players,
queue consumer) per shard group it serves:

pinned (``ENCORE_SHARD_GROUPS=pinned``, the default)
    one group, ``ENCORE_SHARD_GROUP`` (or ``group=``), from the ``source`` given; no leases.
auto (``ENCORE_SHARD_GROUPS=auto``, needs ``REDIS_URL``)
    a :class:`~audio_fleet.lease_manager.LeaseManager` takes a fair share of the groups through Redis
    leases and starts/stops runners as it gains/loses them; each group's queue comes from
    ``sources(group)``, fenced by its lease, and snapshot writes are fenced too.

With Redis, IDENTIFYs are spaced per ``max_concurrency`` bucket fleet-wide and counted against the
24-hour budget; a group is not started while the budget is below its reserve (backing off).
:meth:`AudioFleet.drain` is the SIGTERM path (finish commands, save players, keep them on
Lavalink, release leases); :meth:`AudioFleet.close` is the in-process stop (players leave voice).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from collections.abc import Callable
from typing import Final

import aiohttp
import discord
import wavelink

from audio_fleet.announcer import DiscordChannelMessages
from audio_fleet.consumer import CommandConsumer, ConsumerConfig
from audio_fleet.discord_accounting import DiscordAccounting
from audio_fleet.discord_client import FleetClient
from audio_fleet.durable_snapshots import DurableSnapshotStore, PlayerStates
from audio_fleet.features import FeatureService
from audio_fleet.fencing import FencedSnapshotStore, FencedSource
from audio_fleet.fleet_billing import FleetBilling
from audio_fleet.group_runner import GroupRunner, StopReason
from audio_fleet.guild_rules import TierLookup
from audio_fleet.identify_budget import IdentifyBudget, IdentifyGate, IdentifyLimits, backoff_delay
from audio_fleet.lavalink_hub import LavalinkHub
from audio_fleet.lease_manager import LeaseManager
from audio_fleet.leases import Lease, LeaseStore
from audio_fleet.nodes import (
    RESUME_TIMEOUT_S,
    FleetNode,
    NodeSupervisor,
    RedisNodeSessions,
    close_nodes,
    connect_nodes,
)
from audio_fleet.observability import lavalink_trace_config, origins
from audio_fleet.play_hooks import PlayHooks
from audio_fleet.playback_events import PlaybackErrors, PlaybackNotices
from audio_fleet.player_service import PlayerService
from audio_fleet.replies import InteractionReplies, WebhookReplies
from audio_fleet.restore import PlayerRestorer
from audio_fleet.snapshots import SnapshotKeeper
from audio_fleet.track_loader import TrackLoader
from encore.deliveries import DeliveryRecords, FallbackRecordStore, LocalRecordStore, RedisRecordStore
from encore.discord_api import use_discord_endpoints
from encore.errors import SettingsError
from encore.guild_settings import GuildSettingsReader
from encore.metrics import MetricsSink, NullSink
from encore.player_snapshot import MemorySnapshotStore, RedisSnapshotStore, SnapshotStore
from encore.queue import CommandSource
from encore.redis_client import RedisUnavailableError, redis_from_url
from encore.settings import Settings, ShardGroupMode

__all__ = ["AudioFleet"]

log = logging.getLogger(__name__)


def _task_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class AudioFleet:
    """One fleet task (see the module docstring).

    ``start`` returns once a Lavalink node is ready and, when pinned, the group's shards are READY.
    """

    #: How long ``close`` lets commands being carried out finish (ECS allows up to 120 s in all).
    DRAIN_DEADLINE_S: Final = 30.0

    def __init__(
        self,
        settings: Settings,
        source: CommandSource | None = None,
        *,
        group: int | None = None,
        sources: Callable[[int], CommandSource] | None = None,
        replies: InteractionReplies | None = None,
        guild_ready_timeout: float = 2.0,
        identify_delay_s: float = 5.0,
        wait_seconds: float | None = None,
        snapshots: SnapshotStore | None = None,
        metrics: MetricsSink | None = None,
        deliveries: DeliveryRecords | None = None,
        guild_settings: GuildSettingsReader | None = None,
        tiers: TierLookup | None = None,
        player_states: PlayerStates | None = None,
        billing: FleetBilling | None = None,
    ) -> None:
        """``source`` is the pinned group's queue; ``sources(group)`` every group's (auto mode).
        ``snapshots`` is where player snapshots go (default: Redis with ``REDIS_URL``, else
        in-process, which only a front in the same process can read). ``metrics`` receives the
        fleet's metrics (default: checked and dropped); ``deliveries`` records which commands
        were carried out (default: Redis with ``REDIS_URL``, else in-process). ``player_states``
        (e.g. :class:`encore.db.player_states.PlayerStateRepository`) keeps durable copies of the
        snapshots in the database."""
        if settings.discord_bot_token is None:
            raise SettingsError("DISCORD_BOT_TOKEN", "the fleet needs the bot token")
        if not settings.lavalink_nodes:
            raise SettingsError("LAVALINK_NODES", "the fleet needs at least one Lavalink node")
        self.auto = settings.encore_shard_groups is ShardGroupMode.AUTO
        if self.auto and sources is None:
            raise SettingsError(
                "ENCORE_SHARD_GROUPS", "auto needs a queue per shard group (ENCORE_QUEUE=sqs)"
            )
        if not self.auto and source is None:
            raise SettingsError("ENCORE_SHARD_GROUP", "a pinned fleet needs its group's queue")
        self._settings = settings
        self._layout = settings.shard_layout
        self._token = settings.discord_bot_token.get_secret_value()
        self._sources = sources
        self._replies = replies
        self._guild_ready_timeout = guild_ready_timeout
        self._identify_delay_s = identify_delay_s
        self._wait_seconds = settings.encore_queue_wait_seconds if wait_seconds is None else wait_seconds
        self.metrics: MetricsSink = metrics or NullSink()
        self.task_id = _task_id()
        self.hub = LavalinkHub()
        self._nodes: list[FleetNode] = []
        self.node_supervisor: NodeSupervisor | None = None
        self._play_hooks: PlayHooks | None = None
        self._session: aiohttp.ClientSession | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self.runners: dict[int, GroupRunner] = {}
        self._player_services: dict[int, PlayerService] = {}
        self._watchers: set[asyncio.Task[None]] = set()
        self._feature_services: dict[int, FeatureService] = {}
        # 429s by scope and the invalid-request budget of every Discord answer (discord.py retries).
        self.discord_accounting = DiscordAccounting(self.metrics, settings.discord_api_base)
        # The players' guild preferences and tier lookup (None: the defaults, and the tier from the
        # interaction's entitlements); the database-backed ones plug in here.
        self._guild_settings = guild_settings
        self._tiers = tiers
        # With a database: stored tiers and settings (unless given above), /247 and autoplay kept
        # there, and every track start counted (usage warnings to the announce channel).
        self._billing = billing
        if billing is not None:
            self._guild_settings = guild_settings or billing.guild_settings
            self._tiers = tiers or billing.tiers
        self._closed = False

        self._redis = redis_from_url(settings.redis_url) if (snapshots is None or self.auto) else None
        prefix = settings.encore_lease_prefix
        self.leases = LeaseStore(self._redis, prefix) if self._redis is not None else None
        self.manager: LeaseManager | None = None
        if self.auto:
            assert self.leases is not None
            self.manager = LeaseManager(
                self.leases,
                self,
                group_count=self._layout.group_count,
                task_id=self.task_id,
                ttl_s=settings.encore_lease_ttl_seconds,
                metrics=self.metrics,
                may_start=self._may_start,
            )
        if snapshots is None:
            snapshots = RedisSnapshotStore(self._redis) if self._redis else MemorySnapshotStore()
        if self.manager is not None and self.leases is not None:
            snapshots = FencedSnapshotStore(self.leases, snapshots, self._layout, self.manager.lease_for)
        if player_states is not None:
            # Durable rows (the database) behind the fast copy; restores fall back to them.
            snapshots = DurableSnapshotStore(snapshots, player_states)
        self.keeper = SnapshotKeeper(snapshots)
        self._restorer = PlayerRestorer(snapshots)
        self._identify: IdentifyLimits | None = None
        if self._redis is not None:
            self._identify = IdentifyLimits(
                IdentifyGate(self._redis, prefix, window_s=settings.encore_identify_window_seconds),
                IdentifyBudget(self._redis, prefix, reserve=settings.encore_identify_reserve),
                self.metrics,
            )

        self._consumer_config = ConsumerConfig(
            wait_seconds=self._wait_seconds,
            visibility_timeout_s=settings.encore_queue_visibility_seconds,
            max_receives=settings.encore_queue_max_receives,
        )
        if deliveries is None:
            store = (
                FallbackRecordStore(RedisRecordStore(self._redis), LocalRecordStore())
                if self._redis is not None
                else LocalRecordStore()
            )
            deliveries = DeliveryRecords(store, stale_after_s=2 * self._consumer_config.heartbeat_s)
        self._deliveries = deliveries

        self._pinned: GroupRunner | None = None
        if not self.auto:
            assert source is not None
            pinned = settings.encore_shard_group if group is None else group
            self._pinned = self._runner(pinned, source)

    # -- wiring one group ----------------------------------------------------------------------
    def _runner(self, group: int, source: CommandSource) -> GroupRunner:
        client = FleetClient(
            self._layout,
            group,
            guild_ready_timeout=self._guild_ready_timeout,
            identify_delay_s=self._identify_delay_s,
            identify_guard=self._identify,
        )
        client.keeper = self.keeper
        client.http.http_trace = self.discord_accounting.trace_config()
        client.allowed_mentions = discord.AllowedMentions.none()
        return GroupRunner(
            client,
            self._token,
            lambda c: self._consumer_for(c, source),
            keeper=self.keeper,
            restorer=self._restorer,
            metrics=self.metrics,
            snapshot_interval_s=self._settings.encore_snapshot_interval_seconds,
        )

    def _consumer_for(self, client: FleetClient, source: CommandSource) -> CommandConsumer:
        """The consumer of one group's queue, with every command handler of the fleet."""
        assert self._session is not None
        replies = self._replies or WebhookReplies(self._session)
        assert self._play_hooks is not None, "start() watches the nodes before any group starts"
        player = PlayerService(
            client,
            self.keeper,
            sku_tiers=self._settings.encore_sku_tiers,
            tiers=self._tiers,
            guild_settings=self._guild_settings,
            tier_table=self._settings.tiers,
            modes=self._billing.guild_settings if self._billing is not None else None,
            plays=self._billing.plays(DiscordChannelMessages(client)) if self._billing is not None else None,
            alone_timeout_s=self._settings.encore_alone_timeout_seconds,
            idle_timeout_s=self._settings.encore_idle_timeout_seconds,
            play_hooks=self._play_hooks,
        )
        client.observers = player.observers
        self._player_services[client.group] = player
        features = FeatureService(
            client,
            self.keeper,
            sku_tiers=self._settings.encore_sku_tiers,
            tiers=self._tiers,
            tier_table=self._settings.tiers,
            guild_settings=self._guild_settings,
            modes=self._billing.guild_settings if self._billing is not None else None,
        )
        self._feature_services[client.group] = features
        return CommandConsumer(
            source,
            {**player.handlers(), **features.handlers()},
            replies,
            config=self._consumer_config,
            records=self._deliveries,
            metrics=self.metrics,
        )

    # -- the pinned group and the default accessors --------------------------------------------
    @property
    def client(self) -> FleetClient:
        """The pinned group's client (auto mode: the first running group's)."""
        if self._pinned is not None:
            return self._pinned.client
        for runner in self.runners.values():
            return runner.client
        raise RuntimeError("this fleet task runs no shard group right now")

    @property
    def consumer(self) -> CommandConsumer | None:
        runner = self._pinned or next(iter(self.runners.values()), None)
        consumer = runner.consumer if runner is not None else None
        return consumer if isinstance(consumer, CommandConsumer) else None

    # -- lifecycle -----------------------------------------------------------------------------
    async def start(self, ready_timeout: float = 60.0) -> None:
        settings = self._settings
        use_discord_endpoints(settings.discord_api_base, settings.discord_gateway_url)
        # The trace hook times DequeueToLavalink on the first Lavalink request of each command.
        lavalink_uris = [node.uri for node in settings.lavalink_nodes]
        self._session = aiohttp.ClientSession(
            trace_configs=[
                lavalink_trace_config(origins(lavalink_uris)),
                self.discord_accounting.trace_config(),
            ]
        )
        self.hub.http.http_trace = self.discord_accounting.trace_config()
        await self.hub.login(self._token)
        node_sessions = self._node_sessions()
        resume = await node_sessions.load() if node_sessions is not None else None
        self._nodes = await connect_nodes(
            self.hub, settings.lavalink_nodes, self._session, session_ids=resume
        )
        self._watch_nodes(self._session, node_sessions)
        async with asyncio.timeout(ready_timeout):
            await self.hub.lavalink_ready.wait()
        if self._pinned is not None:
            await self._start_pinned(self._pinned, ready_timeout)
        elif self.manager is not None:
            self._tasks.append(asyncio.create_task(self.manager.run(), name="fleet-leases"))
            groups = self._layout.group_count
            log.info("fleet task %s taking its share of %d shard groups", self.task_id, groups)

    def _node_sessions(self) -> RedisNodeSessions | None:
        """Where a pinned task keeps its Lavalink session ids, so its next process resumes them
        (auto mode: a group may restart in another task, whose session it cannot take over)."""
        if self._redis is None or self._pinned is None:
            return None
        key = f"{self._settings.encore_lease_prefix}lavalink-sessions:group:{self._pinned.group}"
        return RedisNodeSessions(self._redis, key, ttl_s=2 * RESUME_TIMEOUT_S)

    def _watch_nodes(self, session: aiohttp.ClientSession, node_sessions: RedisNodeSessions | None) -> None:
        """Node choice by load, the close-frame watchdog, failover and recovery (audio_fleet.nodes),
        and the resilient loads and playback-error notices ``/play`` uses."""
        settings = self._settings
        supervisor = NodeSupervisor(
            self._nodes,
            metrics=self.metrics,
            silence_s=settings.encore_node_silence_seconds,
            sessions=node_sessions,
        )
        self.node_supervisor = supervisor
        self.hub.node_supervisor = supervisor
        supervisor.start()
        # Past the follow-up window, notices go to the announce (or last command's) channel,
        # posted through the hub's REST client (logged in for as long as the task lives).
        notices = PlaybackNotices(
            session, messages=DiscordChannelMessages(self.hub), guild_settings=self._guild_settings
        )
        self.hub.playback_errors = PlaybackErrors(notices, metrics=self.metrics)
        loader = TrackLoader(
            fallback=settings.encore_source_fallback, metrics=self.metrics, pick_node=supervisor.best
        )
        self._play_hooks = PlayHooks(loader, make_player=supervisor.make_player, notices=notices)
        self._restorer.use(supervisor, loader)

    async def _start_pinned(self, runner: GroupRunner, ready_timeout: float) -> None:
        attempt = 0
        while not await self._may_start(runner.group):
            delay = backoff_delay(attempt)
            log.error(
                "identify budget too low to start shard group %s; retrying in %.0f s", runner.group, delay
            )
            await asyncio.sleep(delay)
            attempt += 1
        self.hub.attach(runner.client)
        self.runners[runner.group] = runner
        await runner.start(ready_timeout)
        self._tasks.append(asyncio.create_task(runner.wait(), name=f"fleet-group-{runner.group}"))

    async def _may_start(self, group: int) -> bool:
        """The identify budget allows starting ``group``'s shards (always, without Redis)."""
        if self._identify is None:
            return True
        discord_remaining: int | None = None
        try:
            _, _, limits = await self.hub.http.get_bot_gateway()
        except Exception as exc:  # GatewayNotFound, HTTP errors: decide on our own count
            log.warning("GET /gateway/bot failed: %s", exc)
        else:
            discord_remaining = int(limits["remaining"])
            self._identify.gate.max_concurrency = max(1, int(limits["max_concurrency"]))
            self.metrics.emit("IdentifyBudgetRemaining", discord_remaining)
        shards = len(self._layout.shards_in_group(group))
        try:
            return await self._identify.budget.allows(shards, discord_remaining)
        except RedisUnavailableError:
            return discord_remaining is None or discord_remaining - shards >= self._identify.budget.reserve

    # -- the lease manager's handler (auto mode) ---------------------------------------------------
    async def start_group(self, lease: Lease) -> None:
        assert self._sources is not None
        assert self.leases is not None
        source = FencedSource(self._sources(lease.group), self.leases, lease)
        runner = self._runner(lease.group, source)
        self.runners[lease.group] = runner
        self.hub.attach(runner.client)
        try:
            await runner.start()
        except BaseException:
            await self.stop_group(lease.group, StopReason.LOST)
            raise
        watcher = asyncio.create_task(self._watch(runner), name=f"fleet-watch-{lease.group}")
        self._watchers.add(watcher)
        watcher.add_done_callback(self._watchers.discard)

    async def _watch(self, runner: GroupRunner) -> None:
        """Give a group up (lease released, start backed off) when its runner dies by itself."""
        try:
            await runner.wait()
        except Exception:
            log.exception("shard group %s failed", runner.group)
        if not runner.stopped and self.manager is not None and self.runners.get(runner.group) is runner:
            log.error("shard group %s stopped by itself: giving it up", runner.group)
            self.manager.give_up(runner.group)

    async def stop_group(self, group: int, reason: StopReason) -> None:
        runner = self.runners.pop(group, None)
        if runner is None:
            return
        try:
            await runner.stop(reason, self._drain_deadline())
        finally:
            self.hub.detach(runner.client)
            player = self._player_services.pop(group, None)
            if player is not None:
                await player.close()
            features = self._feature_services.pop(group, None)
            if features is not None:
                await features.close()

    def _drain_deadline(self) -> float:
        return min(self.DRAIN_DEADLINE_S, self._settings.encore_stop_timeout / 2)

    # -- running and stopping ------------------------------------------------------------------
    async def wait(self) -> None:
        """Run until the pinned group or the lease loop stops (returns the first failure)."""
        if not self._tasks:
            return
        done, _ = await asyncio.wait(self._tasks, return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            task.result()

    def readiness(self) -> dict[str, bool]:
        """The ``/ready`` checks: shards READY, a Lavalink node connected, the consumers running."""
        runners = list(self.runners.values())
        gateway = all(_shards_ready(r.client) for r in runners) and (bool(runners) or self.auto)
        consumers = [r.consumer for r in runners]
        return {
            "gateway": gateway,
            "lavalink": any(node.status is wavelink.NodeStatus.CONNECTED for node in self._nodes),
            "consumer": (bool(consumers) or self.auto)
            and all(isinstance(c, CommandConsumer) and c.running for c in consumers),
        }

    async def stop_consuming(self, deadline_s: float | None = None) -> None:
        """Stop taking commands from every group this task runs: the ones being carried out may
        finish within ``deadline_s``, the rest go back to the queue for the group's next owner."""
        deadline = self.DRAIN_DEADLINE_S if deadline_s is None else deadline_s
        consumers = [r.consumer for r in self.runners.values() if r.consumer is not None]
        await asyncio.gather(*(c.stop(deadline) for c in consumers))

    async def drain(self) -> None:
        """SIGTERM: finish in-flight commands, save every player, keep them on Lavalink (resumable),
        release the leases and disconnect, all within ``ENCORE_STOP_TIMEOUT``."""
        await self._shutdown(StopReason.DRAIN)

    async def close(self) -> None:
        """Stop in-process: finish in-flight commands, save the players, leave voice, disconnect."""
        await self._shutdown(StopReason.RELEASE)

    async def _shutdown(self, reason: StopReason) -> None:
        if self._closed:
            return
        self._closed = True
        budget = self._settings.encore_stop_timeout
        try:
            async with asyncio.timeout(budget * 0.9):
                if self.manager is not None and any(t.get_name() == "fleet-leases" for t in self._tasks):
                    await self.manager.shutdown(self._drain_deadline())
                runners = list(self.runners)
                await asyncio.gather(*(self.stop_group(g, reason) for g in runners), return_exceptions=True)
        except TimeoutError:
            log.error("stopping took longer than %.0f s; leaving the rest to lease expiry", budget)
        for watcher in list(self._watchers):
            watcher.cancel()
        await asyncio.gather(*self._watchers, return_exceptions=True)
        if self.node_supervisor is not None:
            await self.node_supervisor.close()
        # Draining (SIGTERM): leave the sessions resumable so the music plays on until the next
        # process resumes them; otherwise wavelink's close destroys the players.
        await close_nodes(self._nodes, keep_sessions=reason is StopReason.DRAIN)
        await self.hub.close()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._session is not None:
            await self._session.close()
        if self._redis is not None:
            with contextlib.suppress(Exception):
                await self._redis.aclose()


def _shards_ready(client: FleetClient) -> bool:
    shards = client.shards.values()
    return client.is_ready() and bool(shards) and not any(s.is_closed() for s in shards)
