"""A fleet task in lease-driven mode against the simulators and the real Redis (in process)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime

import pytest
import wavelink
from redis.asyncio import Redis

from audio_fleet.leases import LeaseStore
from audio_fleet.player_queue import requester_of
from audio_fleet.service import AudioFleet
from encore.metrics import RecordingSink
from encore.player_snapshot import MemorySnapshotStore, PlayerSnapshot, RedisSnapshotStore, TrackSnapshot
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


def _pinned_settings(discord_sim: DiscordSimulator, lavalink_sim: LavalinkSimulator, prefix: str) -> Settings:
    return auto_settings(discord_sim, lavalink_sim, prefix).model_copy(
        update={"encore_shard_groups": ShardGroupMode.PINNED}
    )


def _pinned_fleet(
    settings: Settings, sink: RecordingSink, snapshots: MemorySnapshotStore | None = None
) -> AudioFleet:
    queue = InMemoryQueue(settings.shard_layout)
    return AudioFleet(
        settings,
        queue.source(0),
        snapshots=snapshots,
        guild_ready_timeout=0.1,
        identify_delay_s=0,
        wait_seconds=0.2,
        metrics=sink,
    )


def _track_starts(sim: LavalinkSimulator, guild_id: int) -> int:
    return sum(
        1
        for message in sim.sent
        if message.payload.get("type") == "TrackStartEvent"
        and message.payload.get("guildId") == str(guild_id)
    )


async def test_a_restored_queue_keeps_its_requesters_and_falls_back_to_another_source(
    lavalink_sim: LavalinkSimulator,
) -> None:
    """YouTube refuses every load during the restore: the queued song with no saved URL is found on
    SoundCloud instead of being dropped, and every restored track still knows who asked for it (so
    the fair queue keeps its round-robin)."""
    async with DiscordSimulator() as discord_sim:
        guild = discord_sim.add_guild(name="Fallback")
        voice = discord_sim.add_voice_channel(guild.id, name="Stage")
        store = MemorySnapshotStore()
        now = datetime.now(UTC)
        tone = TrackSnapshot(
            "Test Tone 440 Hz", "Unknown artist", "https://example.com/audio/tone-440.mp3", 30_000, False, 7
        )
        flume = TrackSnapshot("Never Be Like You", "Flume", None, 234_000, False, 8)
        await store.save(PlayerSnapshot(guild.id, voice, tone, 1_000, now, False, 100, "off", (flume,), now))
        lavalink_sim.faults.fail_source("youtube")
        settings = _pinned_settings(discord_sim, lavalink_sim, "unused:").model_copy(
            update={"redis_url": None}
        )
        fleet = _pinned_fleet(settings, RecordingSink(), store)
        try:
            await fleet.start()
            await lavalink_sim.wait_for_track(guild.id, "Test Tone")
            seen = fleet.client.get_guild(guild.id)
            assert seen is not None
            player = seen.voice_client
            assert isinstance(player, wavelink.Player)
            assert player.current is not None
            assert requester_of(player.current) == 7
            assert [(t.title, t.source, requester_of(t)) for t in player.queue] == [
                ("Never Be Like You", "soundcloud", 8)
            ]
        finally:
            await fleet.close()


async def test_a_restarted_pinned_task_attaches_to_the_player_its_resumed_session_still_plays(
    redis: Redis, prefix: str
) -> None:
    """SIGTERM then a new process within the resume timeout: Lavalink kept playing, so the new
    process takes the player over as it is (no replay from the saved position: the music does not
    skip back) and only rebuilds the queue."""
    sink = RecordingSink()
    snapshots = RedisSnapshotStore(redis)
    async with (
        DiscordSimulator() as discord_sim,
        LavalinkSimulator(player_update_interval=0.2) as lavalink_sim,
    ):
        guild = discord_sim.add_guild(name="Resumed")
        voice = discord_sim.add_voice_channel(guild.id, name="Stage")
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
        await snapshots.save(
            PlayerSnapshot(guild.id, voice, rick, 60_000, now, False, 40, "off", (next_up,), now)
        )
        settings = _pinned_settings(discord_sim, lavalink_sim, prefix)
        first = _pinned_fleet(settings, sink)
        try:
            await first.start()
            await lavalink_sim.wait_for_track(guild.id, "Never Gonna Give You Up")
            was = first.client.get_guild(guild.id)
            assert was is not None
            playing_before = was.voice_client
            assert isinstance(playing_before, wavelink.Player)
            await until(lambda: playing_before.position >= 60_000)  # the node has reported it
        finally:
            await first.drain()  # SIGTERM: the session stays resumable, the music plays on
        starts = _track_starts(lavalink_sim, guild.id)
        playing = lavalink_sim.player(guild.id)
        assert playing is not None
        assert playing.track is not None
        before = playing.position

        second = _pinned_fleet(settings, sink)
        try:
            await second.start()
            seen = second.client.get_guild(guild.id)
            assert seen is not None
            player = seen.voice_client
            assert isinstance(player, wavelink.Player)
            assert player.current is not None
            assert player.current.title == "Never Gonna Give You Up"
            assert requester_of(player.current) == 7
            assert [(t.title, requester_of(t)) for t in player.queue] == [("Take On Me", 8)]
            assert player.volume == 40
            assert sink.total("PlayersRestored") == 2
            live = lavalink_sim.player(guild.id)
            assert live is not None
            assert live.connected
            await lavalink_sim.wait_until(lambda: live.position > before + 300)
            assert _track_starts(lavalink_sim, guild.id) == starts  # attached, not replayed
            assert player.playing
            assert player.position >= before
        finally:
            await second.close()
            await snapshots.delete(guild.id)


async def test_a_restored_player_goes_to_the_least_loaded_node() -> None:
    """Two nodes, the first busy (90 % CPU): the restored player is made on the idle second node
    (wavelink's own choice, the node with the fewest players, would be the first)."""
    async with (
        DiscordSimulator() as discord_sim,
        LavalinkSimulator(name="node-a", stats_interval=0.1) as busy,
        LavalinkSimulator(name="node-b", stats_interval=0.1) as idle,
    ):
        busy.faults.system_load = 0.9
        guild = discord_sim.add_guild(name="Balanced")
        voice = discord_sim.add_voice_channel(guild.id, name="Stage")
        store = MemorySnapshotStore()
        nodes = [{"name": sim.name, "uri": sim.uri, "password": sim.password} for sim in (busy, idle)]
        settings = _pinned_settings(discord_sim, busy, "unused:").model_copy(
            update={"redis_url": None, "lavalink_nodes": load_settings(lavalink_nodes=nodes).lavalink_nodes}
        )
        fleet = _pinned_fleet(settings, RecordingSink(), store)
        try:
            await fleet.start()
            supervisor = fleet.node_supervisor
            assert supervisor is not None
            node_a, node_b = supervisor.nodes["node-a"], supervisor.nodes["node-b"]
            await until(lambda: supervisor.ready(node_b) and node_a.last_stats is not None)
            now = datetime.now(UTC)
            rick = TrackSnapshot(
                "Never Gonna Give You Up",
                "Rick Astley",
                "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
                213_000,
                False,
                7,
            )
            await store.save(PlayerSnapshot(guild.id, voice, rick, 5_000, now, False, 100, "off", (), now))
            report = await fleet._restorer.restore(fleet.client)  # as a group start does
            assert report.restored == 1
            await idle.wait_for_track(guild.id, "Never Gonna Give You Up")
            assert busy.player(guild.id) is None
        finally:
            await fleet.close()
