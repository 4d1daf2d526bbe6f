"""The simulated gateway's voice connections across sessions, driven by the real discord.py: a session
Discord ends takes the bot's voice connections with it, a client's own clean close does not, and a
moderator dragging the bot to another channel sends the new channel and a new voice server."""

from __future__ import annotations

from collections.abc import AsyncIterator

import discord
import pytest

from encore.simulators.discord import DiscordSimulator
from encore.simulators.discord.testing import discord_py_pointed_at, running_client
from tests.simulators.test_discord_gateway import FastClient, RecordingVoice, frames


@pytest.fixture
async def sim() -> AsyncIterator[DiscordSimulator]:
    async with DiscordSimulator() as simulator:
        with discord_py_pointed_at(simulator):
            yield simulator


async def joined(client: discord.Client, channel_id: int) -> RecordingVoice:
    channel = client.get_channel(channel_id)
    assert isinstance(channel, discord.VoiceChannel)
    return await channel.connect(cls=RecordingVoice, timeout=2.0, self_deaf=True)


async def test_a_session_discord_ends_takes_the_bots_voice_connection_with_it(sim: DiscordSimulator) -> None:
    guild = sim.add_guild()
    voice_id = sim.add_voice_channel(guild.id)
    listener = sim.add_member(guild.id, username="listener").id
    await sim.set_voice_state(guild.id, listener, voice_id)
    client = FastClient()

    async with running_client(client, sim.bot_token):
        vc = await joined(client, voice_id)
        assert sim.voice_state(guild.id, sim.bot_user_id) is not None

        assert await sim.invalidate_session(resumable=False) == 1
        second_ready = await sim.wait_for_gateway_frame(
            lambda f: f.direction == "out" and f.t == "READY" and len(frames(sim, "out", t="READY")) == 2
        )

        assert sim.voice_state(guild.id, sim.bot_user_id) is None
        listener_state = sim.voice_state(guild.id, listener)
        assert listener_state is not None  # only the bot's connection ended
        create = next(
            f for f in frames(sim, "out", t="GUILD_CREATE") if f.session_id == second_ready.d["session_id"]
        )
        assert [s["user_id"] for s in create.d["voice_states"]] == [str(listener)]
        vc.cleanup()


async def test_a_clean_close_by_the_client_leaves_the_voice_connection_for_its_next_session(
    sim: DiscordSimulator,
) -> None:
    guild = sim.add_guild()
    voice_id = sim.add_voice_channel(guild.id)
    client = FastClient()

    async with running_client(client, sim.bot_token):
        vc = await joined(client, voice_id)
        vc.cleanup()  # a process handing its players over: it closes without leaving voice

    state = sim.voice_state(guild.id, sim.bot_user_id)
    assert state is not None
    assert state["channel_id"] == str(voice_id)


async def test_the_bot_dragged_to_another_channel_gets_the_channel_then_a_new_voice_server(
    sim: DiscordSimulator,
) -> None:
    guild = sim.add_guild()
    first = sim.add_voice_channel(guild.id, "Lounge")
    second = sim.add_voice_channel(guild.id, "Stage")
    client = FastClient()

    async with running_client(client, sim.bot_token):
        vc = await joined(client, first)

        assert await sim.move_bot_to(guild.id, second)

        await vc.wait_for("servers", 2)
        assert vc.states[-1]["channel_id"] == str(second)
        assert vc.states[-1]["session_id"] == vc.states[0]["session_id"]
        assert vc.servers[1]["endpoint"] != vc.servers[0]["endpoint"]
        state = sim.voice_state(guild.id, sim.bot_user_id)
        assert state is not None
        assert state["channel_id"] == str(second)
        await vc.disconnect(force=True)
    assert not await sim.move_bot_to(guild.id, first)  # not in voice any more
