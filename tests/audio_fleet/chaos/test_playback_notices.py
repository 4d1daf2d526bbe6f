"""Playback notices after the interaction token is too old for a follow-up (> 14 min), the whole
way: Lavalink reports a failing or stuck track, and the listeners read about it in a channel message
-- the guild's announce channel, else the channel the latest command came from -- that pings nobody."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from audio_fleet.playback_events import FOLLOWUP_WINDOW_S
from encore.guild_settings import GuildPreferences
from encore_cli.sandbox import Sandbox
from tests.audio_fleet.chaos.conftest import eventually
from tests.audio_fleet.chaos.test_playback_errors import notices as followups

RICK = "/play query:never gonna give you up"
DAFT = "/play query:daft punk one more time"


@dataclass
class Preferences:
    prefs: GuildPreferences = field(default_factory=GuildPreferences)

    async def get(self, guild_id: int) -> GuildPreferences:
        return self.prefs


@dataclass
class Box:
    sandbox: Sandbox
    prefs: Preferences


@pytest.fixture
async def box() -> AsyncIterator[Box]:
    prefs = Preferences()
    sandbox = Sandbox(fleet_options={"guild_settings": prefs})
    async with sandbox:
        yield Box(sandbox, prefs)


async def say(box: Sandbox, line: str) -> str:
    outcome = await box.run_command(line)
    assert outcome.final is not None, f"{line} got no final reply"
    return outcome.final


async def playing_long_ago(box: Sandbox) -> None:
    """Rick plays with Daft Punk queued, and the latest command is now 15 minutes old."""
    assert (await say(box, RICK)).startswith("Now playing")
    assert (await say(box, DAFT)).startswith("Queued")
    await box.lavalink.wait_for_track(box.guild_id, "Never Gonna")
    assert box.fleet is not None
    assert box.fleet.hub.playback_errors is not None
    notices = box.fleet.hub.playback_errors.notices
    assert notices is not None
    notices.clock = lambda: time.time() + FOLLOWUP_WINDOW_S + 60


def channel_notices(box: Sandbox, channel_id: int, words: str) -> list[dict[str, Any]]:
    return [m for m in box.discord.channel_messages.messages(channel_id) if words in str(m["content"])]


async def test_a_failing_track_is_reported_in_the_commands_channel_once_the_token_is_old(
    box: Box,
) -> None:
    sandbox = box.sandbox
    await playing_long_ago(sandbox)
    sent_followups = len(followups(sandbox))

    await sandbox.lavalink.emit_track_exception(
        sandbox.guild_id, "This video is age restricted", "common", "@everyone look"
    )

    await eventually(lambda: bool(channel_notices(sandbox, sandbox.text_channel_id, "couldn't play")))
    [notice] = channel_notices(sandbox, sandbox.text_channel_id, "couldn't play")
    assert "Never Gonna Give You Up" in str(notice["content"])
    assert notice["allowed_mentions"] == {"parse": []}
    assert notice["mentions"] == []
    assert not notice["mention_everyone"]
    assert len(followups(sandbox)) == sent_followups  # the old token was not used
    await sandbox.lavalink.wait_for_track(sandbox.guild_id, "One More Time")  # the music goes on


async def test_a_stuck_track_is_reported_in_the_announce_channel_once_the_token_is_old(box: Box) -> None:
    sandbox = box.sandbox
    announce = sandbox.discord.add_text_channel(sandbox.guild_id, name="now-playing")
    box.prefs.prefs = GuildPreferences(announce_channel_id=announce)
    await playing_long_ago(sandbox)

    await sandbox.lavalink.emit_track_stuck(sandbox.guild_id)

    await eventually(lambda: bool(channel_notices(sandbox, announce, "got stuck")))
    [notice] = channel_notices(sandbox, announce, "got stuck")
    assert notice["allowed_mentions"] == {"parse": []}
    assert not channel_notices(sandbox, sandbox.text_channel_id, "got stuck")
    await sandbox.lavalink.wait_for_track(sandbox.guild_id, "One More Time")
