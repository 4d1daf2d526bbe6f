"""Playback notices when their first choice fails: the announce channel was deleted, or skipping a
stuck track failed on the node. The listeners still read about it; the music goes on."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from encore.guild_settings import GuildPreferences
from encore_cli.sandbox import Sandbox
from tests.audio_fleet.chaos.conftest import eventually
from tests.audio_fleet.chaos.test_playback_notices import Box, Preferences, channel_notices, playing_long_ago

DELETED_CHANNEL = 999_999_999_999_999_999


@pytest.fixture
async def box() -> AsyncIterator[Box]:
    prefs = Preferences()
    sandbox = Sandbox(fleet_options={"guild_settings": prefs})
    async with sandbox:
        yield Box(sandbox, prefs)


async def test_a_deleted_announce_channel_sends_the_notice_to_the_commands_channel(box: Box) -> None:
    sandbox = box.sandbox
    box.prefs.prefs = GuildPreferences(announce_channel_id=DELETED_CHANNEL)
    await playing_long_ago(sandbox)

    await sandbox.lavalink.emit_track_exception(sandbox.guild_id, "This video is unavailable", "common")

    await eventually(lambda: bool(channel_notices(sandbox, sandbox.text_channel_id, "couldn't play")))
    [notice] = channel_notices(sandbox, sandbox.text_channel_id, "couldn't play")
    assert "Never Gonna Give You Up" in str(notice["content"])
    assert notice["allowed_mentions"] == {"parse": []}
    await sandbox.lavalink.wait_for_track(sandbox.guild_id, "One More Time")


async def test_a_stuck_track_the_node_would_not_skip_is_still_reported(box: Box) -> None:
    sandbox = box.sandbox
    await playing_long_ago(sandbox)
    sandbox.lavalink.faults.fail_player_patch(count=1, status=500)

    await sandbox.lavalink.emit_track_stuck(sandbox.guild_id)

    await eventually(lambda: bool(channel_notices(sandbox, sandbox.text_channel_id, "got stuck")))
    [notice] = channel_notices(sandbox, sandbox.text_channel_id, "got stuck")
    assert "Never Gonna Give You Up" in str(notice["content"])
