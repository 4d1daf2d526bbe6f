"""The bot taken out of voice by a moderator, the whole way through the real discord.py and wavelink.

Disconnected (VOICE_STATE_UPDATE for the bot with ``channel_id: null``): like ``/leave`` -- the
player is destroyed on Lavalink, the queue cleared, the snapshot forgotten, the now-playing message
says so without buttons -- and a later ``/play`` joins again. Dragged into another channel: the music
plays on there."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest

from encore.guild_settings import GuildPreferences
from encore_cli.sandbox import Sandbox
from tests.audio_fleet.chaos.conftest import eventually

RICK = "/play query:never gonna give you up"
DAFT = "/play query:daft punk one more time"


@dataclass
class Preferences:
    prefs: GuildPreferences = field(default_factory=GuildPreferences)

    async def get(self, guild_id: int) -> GuildPreferences:
        return self.prefs


@pytest.fixture
async def box() -> AsyncIterator[Sandbox]:
    prefs = Preferences()
    sandbox = Sandbox(fleet_options={"guild_settings": prefs})
    async with sandbox:
        prefs.prefs = GuildPreferences(announce_channel_id=sandbox.text_channel_id)
        yield sandbox


async def say(box: Sandbox, line: str) -> str:
    outcome = await box.run_command(line)
    assert outcome.final is not None, f"{line} got no final reply"
    return outcome.final


def announcement(box: Sandbox) -> dict[str, object]:
    messages = box.discord.channel_messages.messages(box.text_channel_id)
    assert len(messages) == 1, messages
    return messages[0]


def bot_channel(box: Sandbox) -> str | None:
    state = box.discord.voice_state(box.guild_id, box.discord.bot_user_id)
    return None if state is None else state["channel_id"]


async def test_disconnected_by_a_moderator_cleans_up_and_play_joins_again(box: Sandbox) -> None:
    assert (await say(box, RICK)).startswith("Now playing")
    assert (await say(box, DAFT)).startswith("Queued")
    await box.lavalink.wait_for_track(box.guild_id, "Never Gonna")
    await eventually(lambda: "Never Gonna" in str(announcement(box)["content"]))
    assert "One More Time" in await say(box, "/queue")  # the front reads the fleet's snapshot
    assert box.fleet is not None

    await box.discord.kick_bot_from_voice(box.guild_id)

    await eventually(lambda: box.lavalink.player(box.guild_id) is None)  # destroyed on Lavalink
    guild = box.fleet.client.get_guild(box.guild_id)
    assert guild is not None
    await eventually(lambda: guild.voice_client is None)
    await eventually(lambda: "disconnected" in str(announcement(box)["content"]))
    message = announcement(box)
    assert message["components"] == []  # no buttons for a player that is gone
    assert message["allowed_mentions"] == {"parse": []}
    # The snapshot the front reads is gone with the queue.
    assert (await say(box, "/queue")).startswith("Nothing is playing right now.")

    # A later /play joins the channel again and plays.
    assert (await say(box, DAFT)).startswith("Now playing")
    player = await box.lavalink.wait_for_track(box.guild_id, "One More Time")
    await eventually(lambda: player.connected and player.position > 200)
    assert bot_channel(box) == str(box.voice_channel_id)
    assert not (await say(box, "/queue")).count("Never Gonna")


async def test_moved_to_another_channel_the_music_plays_on_there(box: Sandbox) -> None:
    assert (await say(box, RICK)).startswith("Now playing")
    player = await box.lavalink.wait_for_track(box.guild_id, "Never Gonna")
    await eventually(lambda: player.connected and player.position > 200)
    stage = box.discord.add_voice_channel(box.guild_id, name="Stage")
    await box.set_listening(False)
    await box.discord.set_voice_state(box.guild_id, box.user_id, stage)  # the listeners went there

    # Discord closes Lavalink's voice socket (4014) and sends the new channel and voice server.
    await box.lavalink.emit_websocket_closed(box.guild_id, 4014, "Disconnected.")
    assert await box.discord.move_bot_to(box.guild_id, stage)

    await eventually(lambda: player.connected and (player.voice or {}).get("channelId") == str(stage))
    assert box.lavalink.player(box.guild_id) is player  # the same track, not restarted
    start = player.position
    await eventually(lambda: player.position >= start + 300)
    assert bot_channel(box) == str(stage)
    # Still the fleet's player: commands work, and nobody left says it is alone.
    assert (await say(box, "/pause")).lower().startswith("paused")
    assert player.paused
