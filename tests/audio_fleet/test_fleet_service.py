"""A fleet task in lease-driven mode against the simulators and the real Redis (in process)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime

import pytest
import wavelink
from redis.asyncio import Redis

from audio_fleet.leases import LeaseStore
from audio_fleet.service import AudioFleet
from encore.metrics import RecordingSink
from encore.player_snapshot import MemorySnapshotStore, PlayerSnapshot, TrackSnapshot
from encore.queue.memory import InMemoryQueue
from encore.settings import Settings, ShardGroupMode, load_settings
from encore.simulators.discord import DiscordSimulator
from encore.simulators.lavalink import LavalinkSimulator
from tests.redis_support import LOCAL_REDIS


@pytest.fixture
async def lavalink_sim() -> AsyncIterator[LavalinkSimulator]:
    async with LavalinkSimulator() as simulator:
        yield simulator


def auto_settings(discord_sim: DiscordSimulator, lavalink_sim: LavalinkSimulator, prefix: str) -> Settings:
    return load_settings(
        discord_application_id=discord_sim.application_id,
        discord_public_key=discord_sim.public_key_hex,
        discord_bot_token=discord_sim.bot_token,
        discord_api_base=discord_sim.api_base,
        discord_gateway_url=discord_sim.gateway_url,
        lavalink_nodes=[{"name": "main", "uri": lavalink_sim.uri, "password": lavalink_sim.password}],
        encore_queue="memory",
        redis_url=LOCAL_REDIS,
        encore_shard_groups="auto",
        encore_lease_prefix=prefix,
        encore_lease_ttl_seconds=0.6,
        encore_identify_window_seconds=0,
        encore_identify_reserve=50,
    )


def fleet_for(settings: Settings, sink: RecordingSink) -> AudioFleet:
    queue = InMemoryQueue(settings.shard_layout)
    return AudioFleet(
        settings,
        sources=queue.source,
        guild_ready_timeout=0.1,
        identify_delay_s=0,
        wait_seconds=0.2,
        metrics=sink,
    )


async def until(check: Callable[[], bool], timeout: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not check():
        assert loop.time() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def test_a_task_takes_its_group_identifies_once_and_gives_it_back_on_drain(
    redis: Redis, prefix: str, lavalink_sim: LavalinkSimulator
) -> None:
    sink = RecordingSink()
    async with DiscordSimulator() as discord_sim:
        discord_sim.add_guild(name="Leased")
        fleet = fleet_for(auto_settings(discord_sim, lavalink_sim, prefix), sink)
        try:
            await fleet.start()
            await until(lambda: fleet.readiness()["consumer"] and 0 in fleet.runners)
            leases = LeaseStore(redis, prefix)
            assert await leases.holder(0) == fleet.task_id
            assert discord_sim.identify_count == 1
            assert sink.total("Identifies") == 1
            assert sink.total("LeasesAcquired") == 1
            assert fleet.readiness() == {"gateway": True, "lavalink": True, "consumer": True}
        finally:
            await fleet.drain()
        assert await LeaseStore(redis, prefix).holder(0) is None


async def test_a_task_refuses_to_start_groups_when_the_daily_identifies_run_low(
    redis: Redis, prefix: str, lavalink_sim: LavalinkSimulator
) -> None:
    """Discord says only 10 session starts are left today: below the reserve of 50, so no IDENTIFY."""
    sink = RecordingSink()
    async with DiscordSimulator(session_start_total=10) as discord_sim:
        fleet = fleet_for(auto_settings(discord_sim, lavalink_sim, prefix), sink)
        try:
            await fleet.start()
            await until(lambda: sink.total("IdentifyBudgetRemaining") > 0)
            await asyncio.sleep(0.5)  # a few lease ticks
            assert fleet.runners == {}
            assert discord_sim.identify_count == 0
            assert await LeaseStore(redis, prefix).holder(0) is None
            assert [v for n, v, _ in sink.values if n == "IdentifyBudgetRemaining"] == [10]  # then backs off
        finally:
            await fleet.drain()


async def test_a_starting_task_restores_each_player_as_it_was(lavalink_sim: LavalinkSimulator) -> None:
    """A restart: the guild's snapshot says paused at 1:00 of Rick Astley, volume 40, queue looping."""
    sink = RecordingSink()
    async with DiscordSimulator() as discord_sim:
        guild = discord_sim.add_guild(name="Restarted")
        voice = discord_sim.add_voice_channel(guild.id, name="Stage")
        store = MemorySnapshotStore()
        now = datetime.now(UTC)
        rick = TrackSnapshot(
            "Never Gonna Give You Up",
            "Rick Astley",
            "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
            213_000,
            False,
            7,
        )
        next_up = TrackSnapshot(
            "Take On Me", "a-ha", "https://www.youtube.com/watch?v=djV11Xbc914", 225_000, False, 8
        )
        await store.save(
            PlayerSnapshot(guild.id, voice, rick, 60_000, now, True, 40, "queue", (next_up,), now)
        )
        settings = auto_settings(discord_sim, lavalink_sim, "unused:").model_copy(
            update={"encore_shard_groups": ShardGroupMode.PINNED, "redis_url": None}
        )
        queue = InMemoryQueue(settings.shard_layout)
        fleet = AudioFleet(
            settings,
            queue.source(0),
            snapshots=store,
            guild_ready_timeout=0.1,
            identify_delay_s=0,
            wait_seconds=0.2,
            metrics=sink,
        )
        try:
            await fleet.start()
            restored = await lavalink_sim.wait_for_track(guild.id, "Never Gonna Give You Up")
            assert restored.connected
            assert (restored.paused, restored.volume) == (True, 40)
            assert restored.position == 60_000  # paused: exactly where it was
            seen = fleet.client.get_guild(guild.id)
            assert seen is not None
            player = seen.voice_client
            assert isinstance(player, wavelink.Player)
            assert [t.title for t in player.queue] == ["Take On Me"]
            assert player.queue.mode is wavelink.QueueMode.loop_all
            assert sink.total("PlayersRestored") == 1
        finally:
            await fleet.close()
