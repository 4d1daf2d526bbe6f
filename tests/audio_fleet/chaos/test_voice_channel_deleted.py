"""The voice channel is deleted while the shard's gateway session is gone: after the new IDENTIFY
the fleet cannot rejoin it, so the player is cleaned up like a disconnect -- nothing plays on the
node, the front's snapshot is gone, and the next /play starts from scratch."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from encore.simulators.discord import DiscordSimulator
from encore_cli.sandbox import Sandbox
from tests.audio_fleet.chaos.conftest import eventually
from tests.audio_fleet.chaos.test_gateway_resume import playing, say


@pytest.fixture
async def forgetful_box() -> AsyncIterator[Sandbox]:
    """A Discord whose sessions cannot be resumed once their connection is gone."""
    sandbox = Sandbox()
    sandbox.discord = DiscordSimulator(resume_window=0.0)
    async with sandbox:
        yield sandbox


def delete_voice_channel(box: Sandbox) -> None:
    """What Discord does to a deleted voice channel: it is gone, and so is everyone's place in it."""
    guild = box.discord.world.guild(box.guild_id)
    del guild.channels[box.voice_channel_id]
    for user_id, state in list(guild.voice_states.items()):
        if state.channel_id == box.voice_channel_id:
            del guild.voice_states[user_id]


async def test_a_player_whose_channel_was_deleted_during_a_new_session_is_cleaned_up(
    forgetful_box: Sandbox,
) -> None:
    box = forgetful_box
    await playing(box)
    assert (await say(box, "/play query:daft punk one more time")).startswith("Queued")
    identifies = box.discord.identify_count

    await box.discord.invalidate_session(0, resumable=False)
    await eventually(lambda: box.discord.voice_state(box.guild_id, box.discord.bot_user_id) is None)
    delete_voice_channel(box)
    await box.lavalink.emit_websocket_closed(box.guild_id, 4006, "Session is no longer valid.")
    await eventually(lambda: box.discord.identify_count == identifies + 1, timeout=10)

    def gone_from_node() -> bool:
        player = box.lavalink.player(box.guild_id)
        return player is None or player.track is None

    await eventually(gone_from_node, timeout=10)
    assert box.discord.voice_state(box.guild_id, box.discord.bot_user_id) is None
    assert box.fleet is not None
    guild = box.fleet.client.get_guild(box.guild_id)
    assert guild is not None
    assert guild.voice_client is None
    assert "Nothing is playing" in await say(box, "/queue")
    assert (await say(box, "/play query:never gonna give you up")).startswith("Join a voice channel first")
