"""Replayed track starts against the simulators: the snapshot a restored player saves right after
its track starts keeps the saved position, and a track replayed on another node is not counted as a
new play."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import wavelink

from audio_fleet.service import AudioFleet
from encore.billing.service import BillingService
from encore.db.database import Database
from encore.metrics import RecordingSink
from encore.player_snapshot import MemorySnapshotStore, PlayerSnapshot, TrackSnapshot
from encore.queue.memory import InMemoryQueue
from encore.settings import Settings, load_settings
from encore.simulators.discord import DiscordSimulator
from encore.simulators.lavalink import LavalinkSimulator
from tests.audio_fleet.chaos.conftest import TwoNodeSandbox, eventually
from tests.billing_support import sqlite_database

RICK = TrackSnapshot(
    "Never Gonna Give You Up", "Rick Astley", "https://www.youtube.com/watch?v=dQw4w9WgXcQ", 213_000, False, 7
)
TONE = TrackSnapshot(
    "Test Tone 440 Hz", "Unknown artist", "https://example.com/audio/tone-440.mp3", 30_000, False, 7
)


def settings_for(discord_sim: DiscordSimulator, lavalink_sim: LavalinkSimulator) -> Settings:
    return load_settings(
        discord_application_id=discord_sim.application_id,
        discord_public_key=discord_sim.public_key_hex,
        discord_bot_token=discord_sim.bot_token,
        discord_api_base=discord_sim.api_base,
        discord_gateway_url=discord_sim.gateway_url,
        lavalink_nodes=[{"name": "main", "uri": lavalink_sim.uri, "password": lavalink_sim.password}],
        encore_queue="memory",
        redis_url=None,
    )


def fleet_for(settings: Settings, store: MemorySnapshotStore) -> AudioFleet:
    queue = InMemoryQueue(settings.shard_layout)
    return AudioFleet(
        settings,
        queue.source(0),
        snapshots=store,
        guild_ready_timeout=0.1,
        identify_delay_s=0,
        wait_seconds=0.2,
    )


async def until(check: Callable[[], bool], timeout: float = 10.0) -> None:
    async with asyncio.timeout(timeout):
        while not check():
            await asyncio.sleep(0.02)


@pytest.fixture
async def sqlite(tmp_path: Path) -> AsyncIterator[Database]:
    database = await sqlite_database(tmp_path)
    yield database
    await database.dispose()


async def test_a_snapshot_taken_before_lavalinks_first_update_keeps_the_restored_position() -> None:
    """The node sends no playerUpdate (wavelink's position stays 0): the snapshot saved on the
    restored track's start still says 1:00, so a second restart would not start the song over."""
    async with (
        LavalinkSimulator(tick_interval=3600) as lavalink_sim,
        DiscordSimulator() as discord_sim,
    ):
        guild = discord_sim.add_guild(name="Restarted")
        voice = discord_sim.add_voice_channel(guild.id, name="Stage")
        store = MemorySnapshotStore()
        saved_at = datetime.now(UTC) - timedelta(minutes=1)
        await store.save(
            PlayerSnapshot(guild.id, voice, RICK, 60_000, saved_at, False, 100, "off", (), saved_at)
        )
        fleet = fleet_for(settings_for(discord_sim, lavalink_sim), store)
        try:
            await fleet.start()
            await lavalink_sim.wait_for_track(guild.id, "Never Gonna Give You Up")
            snapshots: list[PlayerSnapshot] = []

            async def saved_again() -> None:
                while True:
                    snapshot = await store.load(guild.id)
                    if snapshot is not None and snapshot.updated_at > saved_at:
                        snapshots.append(snapshot)
                        return
                    await asyncio.sleep(0.02)

            async with asyncio.timeout(10):
                await saved_again()
            assert not [m for m in lavalink_sim.sent if m.payload.get("op") == "playerUpdate"]
            assert snapshots[0].current is not None
            assert snapshots[0].current.title == "Never Gonna Give You Up"
            assert snapshots[0].position_ms == 60_000
        finally:
            await fleet.close()


async def test_a_track_moved_to_another_node_is_counted_once(sqlite: Database) -> None:
    """Rick is counted when it starts; its node crashes and the player replays it on the other node
    from where it was (a second track start): still one play. Then the queue moves on: two."""
    service = BillingService(sqlite, lambda: datetime.now(UTC), cache_ttl_s=0)
    box = TwoNodeSandbox(RecordingSink())
    box.billing = service
    async with box:

        async def tracks_used() -> int:
            usage = await service.usage(box.guild_id)
            return next(m.used for m in usage.metrics if m.name == "tracks")

        async def counted(expected: int) -> None:
            async with asyncio.timeout(10):
                while await tracks_used() < expected:
                    await asyncio.sleep(0.02)

        assert (await box.run_command("/play query:never gonna give you up")).final is not None
        await counted(1)
        found = box.node_playing()
        assert found is not None
        first, _ = found
        await first.crash()
        survivor = box.second if first is box.lavalink else box.lavalink
        await survivor.wait_for_track(box.guild_id, "Never Gonna", timeout=10)
        await eventually(lambda: box.metrics.total("NodeFailovers", Node=first.name) == 1)
        assert (await box.run_command("/play query:daft punk one more time")).final is not None
        await survivor.finish_track(box.guild_id)
        await survivor.wait_for_track(box.guild_id, "One More Time")
        await counted(2)
    assert await tracks_used() == 2  # closing waited for the recordings in flight


async def test_a_new_tracks_snapshot_does_not_carry_the_previous_tracks_position() -> None:
    """Lavalink reported Rick at 2:00; the next song starts and is saved before the node's next
    update: it is at its beginning, not at Rick's 2:00 moved on."""
    async with (
        LavalinkSimulator(tick_interval=3600) as lavalink_sim,
        DiscordSimulator() as discord_sim,
    ):
        guild = discord_sim.add_guild(name="Listening")
        voice = discord_sim.add_voice_channel(guild.id, name="Stage")
        store = MemorySnapshotStore()
        now = datetime.now(UTC)
        await store.save(PlayerSnapshot(guild.id, voice, RICK, 120_000, now, False, 100, "off", (TONE,), now))
        fleet = fleet_for(settings_for(discord_sim, lavalink_sim), store)
        try:
            await fleet.start()
            await lavalink_sim.wait_for_track(guild.id, "Never Gonna Give You Up")
            seen = fleet.client.get_guild(guild.id)
            assert seen is not None
            player = seen.voice_client
            assert isinstance(player, wavelink.Player)
            await lavalink_sim.tick()  # the node's playerUpdate: Rick at 2:00
            await until(lambda: player.position >= 120_000)

            await player.play(player.queue.get())

            async def saved_tone() -> PlayerSnapshot:
                while True:
                    snapshot = await store.load(guild.id)
                    if (
                        snapshot is not None
                        and snapshot.current is not None
                        and snapshot.current.title == TONE.title
                    ):
                        return snapshot
                    await asyncio.sleep(0.02)

            async with asyncio.timeout(10):
                tone = await saved_tone()
            assert tone.position_ms == 0
        finally:
            await fleet.close()
