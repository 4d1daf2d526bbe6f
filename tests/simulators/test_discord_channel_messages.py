"""Bot messages in text channels (the fleet's now-playing announcement), through discord.py's HTTP
client and the fleet's adapter: create, edit, fetch, and the errors Discord gives."""

from __future__ import annotations

from collections.abc import AsyncIterator

import discord
import pytest
from discord.http import Route

from audio_fleet.announcer import DiscordChannelMessages, MessageGoneError
from encore.simulators.discord import DiscordSimulator
from encore.simulators.discord.testing import discord_py_pointed_at


@pytest.fixture
async def discord_sim() -> AsyncIterator[DiscordSimulator]:
    async with DiscordSimulator() as simulator:
        with discord_py_pointed_at(simulator):
            yield simulator


@pytest.fixture
async def client(discord_sim: DiscordSimulator) -> AsyncIterator[discord.Client]:
    client = discord.Client(intents=discord.Intents.none())
    await client.login(discord_sim.bot_token)
    try:
        yield client
    finally:
        await client.close()


@pytest.fixture
def channel(discord_sim: DiscordSimulator) -> int:
    guild = discord_sim.add_guild()
    return discord_sim.add_text_channel(guild.id, "music")


async def test_post_then_edit_the_same_message(
    discord_sim: DiscordSimulator, client: discord.Client, channel: int
) -> None:
    messages = DiscordChannelMessages(client)
    row = [{"type": 1, "components": [{"type": 2, "style": 2, "label": "⏭", "custom_id": "v1:np:skip:1"}]}]
    message_id = await messages.post(
        channel, {"content": "one", "components": row, "allowed_mentions": {"parse": []}}
    )
    await messages.edit(channel, message_id, {"content": "two"})
    [stored] = discord_sim.channel_messages.messages(channel)
    assert stored["id"] == str(message_id)
    assert stored["content"] == "two"
    assert stored["components"] == row  # an edit without components keeps them
    assert stored["edited_timestamp"] is not None
    assert stored["author"]["id"] == str(discord_sim.bot_user_id)
    fetched = await client.http.request(
        Route(
            "GET", "/channels/{channel_id}/messages/{message_id}", channel_id=channel, message_id=message_id
        )
    )
    assert fetched["content"] == "two"
    assert "allowed_mentions" not in fetched


async def test_mentions_follow_allowed_mentions(
    discord_sim: DiscordSimulator, client: discord.Client, channel: int
) -> None:
    messages = DiscordChannelMessages(client)
    text = "hey @everyone and <@&123>"
    await messages.post(channel, {"content": text, "allowed_mentions": {"parse": []}})
    await messages.post(channel, {"content": text})  # a bot message parses every mention by default
    quiet, loud = discord_sim.channel_messages.messages(channel)
    assert not quiet["mention_everyone"]
    assert quiet["mention_roles"] == []
    assert loud["mention_everyone"]
    assert loud["mention_roles"] == ["123"]


async def test_errors_are_discords(
    discord_sim: DiscordSimulator, client: discord.Client, channel: int
) -> None:
    messages = DiscordChannelMessages(client)
    with pytest.raises(MessageGoneError):
        await messages.edit(channel, 42, {"content": "x"})
    with pytest.raises(discord.NotFound) as unknown_channel:
        await messages.post(999, {"content": "x"})
    assert unknown_channel.value.code == 10003
    voice = discord_sim.add_voice_channel(next(iter(discord_sim.world.guilds)), "Lounge")
    with pytest.raises(discord.NotFound):
        await messages.post(voice, {"content": "x"})
    with pytest.raises(discord.HTTPException) as empty:
        await messages.post(channel, {"content": ""})
    assert empty.value.status == 400
    assert empty.value.code == 50006
    with pytest.raises(discord.HTTPException) as too_long:
        await messages.post(channel, {"content": "x" * 2001})
    assert too_long.value.status == 400
    assert discord_sim.channel_messages.messages(channel) == []
