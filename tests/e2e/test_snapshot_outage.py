"""Redis, where the fleet keeps each player's snapshot, is down for the whole session: every save
(after a command, a track change, and the periodic position save) fails, and the music does not care."""

from __future__ import annotations

import logging

import pytest
from redis.asyncio import Redis

from encore.player_snapshot import RedisSnapshotStore
from encore_cli.sandbox import Sandbox
from tests.e2e.test_player_features import DAFT, RICK, bot_in_voice, eventually, say


async def test_the_music_plays_on_while_no_snapshot_can_be_saved(
    dead_redis: Redis, prefix: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="audio_fleet.snapshots")
    box = Sandbox(
        fleet_options={"snapshots": RedisSnapshotStore(dead_redis, prefix=prefix)},
        settings_overrides={"encore_snapshot_interval_seconds": 0.05},
    )
    async with box:
        assert (await say(box, RICK)).startswith("Now playing")
        assert (await say(box, DAFT)).startswith("Queued")
        await box.lavalink.wait_for_track(box.guild_id, "Never Gonna")

        def failed_saves() -> int:
            return sum(1 for r in caplog.records if "could not save the player snapshot" in r.getMessage())

        seen = failed_saves()
        await eventually(lambda: failed_saves() >= seen + 3)  # the periodic save kept trying

        assert (await say(box, "/skip")).startswith("Skipped")
        await box.lavalink.wait_for_track(box.guild_id, "One More Time")
        assert (await say(box, "/leave")).startswith("Left")
        await eventually(lambda: not bot_in_voice(box))
        assert any("could not delete the player snapshot" in r.getMessage() for r in caplog.records)
