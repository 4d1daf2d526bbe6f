"""`make run` with credentials: front and fleet in one process, against whatever Discord and
Lavalink the settings name (here the simulators, standing in for the real services)."""

from __future__ import annotations

import asyncio
import contextlib

import httpx

from encore.settings import load_settings
from encore.simulators.discord import DiscordSimulator
from encore.simulators.lavalink import LavalinkSimulator
from encore_cli.main import _local_bot
from tests.ports import free_port


async def test_real_bot_mode_answers_a_play() -> None:
    async with DiscordSimulator() as discord_sim, LavalinkSimulator() as lavalink_sim:
        guild = discord_sim.add_guild(name="Home")
        voice = discord_sim.add_voice_channel(guild.id)
        text = discord_sim.add_text_channel(guild.id)
        user = discord_sim.add_member(guild.id)
        await discord_sim.set_voice_state(guild.id, user.id, voice)
        settings = load_settings(
            discord_application_id=discord_sim.application_id,
            discord_public_key=discord_sim.public_key_hex,
            discord_bot_token=discord_sim.bot_token,
            discord_api_base=discord_sim.api_base,
            discord_gateway_url=discord_sim.gateway_url,
            lavalink_nodes=f"main|{lavalink_sim.uri}|{lavalink_sim.password}",
        )
        port = free_port()
        bot = asyncio.create_task(_local_bot(settings, port))
        try:
            async with httpx.AsyncClient() as client:
                for _ in range(600):
                    with contextlib.suppress(httpx.TransportError):
                        await client.get(f"http://127.0.0.1:{port}/health")
                        break
                    await asyncio.sleep(0.05)
            discord_sim.interactions_url = f"http://127.0.0.1:{port}/interactions"
            exchange = await discord_sim.send_slash_command(
                guild.id, text, user.id, "play", [{"name": "query", "type": 3, "value": "one more time"}]
            )
            message = await discord_sim.wait_for_original_edit(exchange.token, timeout=30)
            assert message["content"].startswith("Now playing **One More Time** by Daft Punk")
        finally:
            bot.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await bot
