"""Restores that cannot go as saved: the channel was deleted, a track no longer loads, the snapshot
is unreadable, a live stream. Each guild is handled on its own; nothing crashes the group start."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
import wavelink
from redis.asyncio import Redis

from audio_fleet.service import AudioFleet
from encore.metrics import RecordingSink
from encore.player_snapshot import PlayerSnapshot, RedisSnapshotStore, TrackSnapshot
from encore.queue.memory import InMemoryQueue
from encore.settings import ShardGroupMode
from encore.simulators.discord import DiscordSimulator
from encore.simulators.lavalink import LavalinkSimulator
from tests.audio_fleet.test_fleet_service import auto_settings, until

NOW = datetime.now(UTC)
GONE = TrackSnapshot("Deleted Upload", "Nobody", "https://example.com/audio/deleted.mp3", 60_000, False, 7)
TAKE_ON_ME = TrackSnapshot(
    "Take On Me", "a-ha", "https://www.youtube.com/watch?v=djV11Xbc914", 225_000, False, 8
)
LOFI = TrackSnapshot(
    "lofi hip hop radio 📚 - beats to relax/study to",
    "Lofi Girl",
    "https://www.youtube.com/watch?v=jfKfPfyJRdk",
    2**63 - 1,
    True,
    9,
)


@pytest.fixture
async def lavalink_sim() -> AsyncIterator[LavalinkSimulator]:
    async with LavalinkSimulator() as simulator:
        yield simulator


def saved(
    guild_id: int, channel_id: int, current: TrackSnapshot | None, *queue: TrackSnapshot
) -> PlayerSnapshot:
    return PlayerSnapshot(guild_id, channel_id, current, 90_000, NOW, False, 60, "off", queue, NOW)


def player_of(fleet: AudioFleet, guild_id: int) -> wavelink.Player | None:
    guild = fleet.client.get_guild(guild_id)
    assert guild is not None
    voice = guild.voice_client
    return voice if isinstance(voice, wavelink.Player) else None


async def test_a_group_start_restores_what_it_can_and_skips_the_rest(
    lavalink_sim: LavalinkSimulator, redis: Redis, prefix: str
) -> None:
    sink = RecordingSink()
    store = RedisSnapshotStore(redis, prefix=prefix)
    async with DiscordSimulator() as discord_sim:
        deleted = discord_sim.add_guild(name="Channel deleted")
        discord_sim.add_voice_channel(deleted.id, name="Still here")
        lost = discord_sim.add_guild(name="Song taken down")
        lost_voice = discord_sim.add_voice_channel(lost.id, name="Stage")
        garbled = discord_sim.add_guild(name="Garbled snapshot")
        discord_sim.add_voice_channel(garbled.id, name="Stage")
        radio = discord_sim.add_guild(name="Radio")
        radio_voice = discord_sim.add_voice_channel(radio.id, name="Stage")
        idle = discord_sim.add_guild(name="Nothing queued")
        idle_voice = discord_sim.add_voice_channel(idle.id, name="Stage")

        await store.save(saved(deleted.id, 424242, TAKE_ON_ME))  # that voice channel was deleted
        await store.save(saved(lost.id, lost_voice, GONE, GONE, TAKE_ON_ME))
        await redis.set(f"{prefix}{garbled.id}", b"{not json")
        await store.save(saved(radio.id, radio_voice, LOFI))
        await store.save(saved(idle.id, idle_voice, None))

        settings = auto_settings(discord_sim, lavalink_sim, "unused:").model_copy(
            update={"encore_shard_groups": ShardGroupMode.PINNED, "redis_url": None}
        )
        fleet = AudioFleet(
            settings,
            InMemoryQueue(settings.shard_layout).source(0),
            snapshots=store,
            guild_ready_timeout=0.1,
            identify_delay_s=0,
            wait_seconds=0.2,
            metrics=sink,
        )
        try:
            await fleet.start()
            # The song that no longer loads is dropped (current and queued copy): the next one plays,
            # at the saved volume, from its start (the saved position was the lost song's).
            resumed = await lavalink_sim.wait_for_track(lost.id, "Take On Me")
            assert resumed.volume == 60
            assert resumed.position < 90_000
            lost_player = player_of(fleet, lost.id)
            assert lost_player is not None
            assert list(lost_player.queue) == []
            # A live stream has no position to go back to: it restarts live, not at 1:30.
            live = await lavalink_sim.wait_for_track(radio.id, "lofi")
            assert live.position < 90_000
            assert sink.total("PlayersRestored") == 2
            # The deleted channel, the unreadable snapshot and the empty player: nobody joined voice.
            for guild_id in (deleted.id, garbled.id, idle.id):
                assert player_of(fleet, guild_id) is None
                assert lavalink_sim.player(guild_id) is None
        finally:
            await fleet.close()


async def test_a_voice_channel_that_cannot_be_rejoined_in_time_is_let_go(
    lavalink_sim: LavalinkSimulator, redis: Redis, prefix: str
) -> None:
    """Discord never sends the voice server: after the voice timeout the half-made connection is
    closed, so the guild is not stuck "already connected" with a player that cannot play."""
    store = RedisSnapshotStore(redis, prefix=prefix)
    async with DiscordSimulator() as discord_sim:
        stuck = discord_sim.add_guild(name="No voice server")
        voice = discord_sim.add_voice_channel(stuck.id, name="Stage")
        await store.save(saved(stuck.id, voice, TAKE_ON_ME))
        discord_sim.faults.drop_voice_server_update = True
        settings = auto_settings(discord_sim, lavalink_sim, "unused:").model_copy(
            update={"encore_shard_groups": ShardGroupMode.PINNED, "redis_url": None}
        )
        fleet = AudioFleet(
            settings,
            InMemoryQueue(settings.shard_layout).source(0),
            snapshots=store,
            guild_ready_timeout=0.1,
            identify_delay_s=0,
            wait_seconds=0.2,
            metrics=RecordingSink(),
        )
        try:
            await fleet.start()  # waits for the restore, voice timeout (10 s) included
            assert player_of(fleet, stuck.id) is None
            # The leave (op 4, no channel) went out: Discord no longer shows the bot in the channel.
            await until(lambda: discord_sim.voice_state(stuck.id, discord_sim.bot_user_id) is None, 3)
            node_player = lavalink_sim.player(stuck.id)
            assert node_player is None or node_player.track is None
        finally:
            await fleet.close()
