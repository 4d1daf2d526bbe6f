"""A usage warning that cannot be posted (its announce channel was deleted) is not lost: the play is
counted, the music goes on, and the warning stays pending for the scheduled job."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator

import pytest

from encore.db.database import Database
from tests.billing_support import SettableClock, drop_postgres, postgres_database
from tests.e2e.test_premium_flow import Stack, eventually

ONE_TRACK = json.dumps({"free": {"tracks_per_period": 1}})


@pytest.fixture
async def pg() -> AsyncIterator[Database]:
    database, schema = await postgres_database(pool_size=5, max_overflow=0)
    yield database
    await drop_postgres(database, schema)


async def test_a_warning_with_nowhere_to_go_is_left_for_the_scheduled_job(
    pg: Database, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="audio_fleet.play_usage")
    async with Stack(pg, SettableClock(), ONE_TRACK) as stack:
        box = stack.sandbox
        announce = box.discord.add_text_channel(box.guild_id, name="announcements")
        await stack.patch_settings({"announce_channel_id": announce})
        del box.discord.world.guild(box.guild_id).channels[announce]  # deleted since

        _, played = await stack.run("/play query:never gonna give you up")
        assert played["content"].startswith("Now playing")
        await box.lavalink.wait_for_track(box.guild_id, "Never Gonna")

        def left() -> int:
            return sum(1 for r in caplog.records if "left for the scheduled job" in r.getMessage())

        await eventually(lambda: left() == 2)  # the 80 % and the 100 % warnings

        pending = await stack.billing.pending_usage_warnings()
        assert sorted((w.guild_id, w.threshold) for w in pending) == [(box.guild_id, 80), (box.guild_id, 100)]
        usage = await stack.billing.usage(box.guild_id)
        assert [m.used for m in usage.metrics if m.name == "tracks"] == [1]
        assert box.lavalink.player(box.guild_id) is not None
