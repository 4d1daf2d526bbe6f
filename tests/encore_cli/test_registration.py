"""`encore register-commands` against the Discord simulator: PUT only when something changed."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from encore.commands import CATALOGUE
from encore.settings import load_settings
from encore.simulators.discord import DiscordSimulator
from encore_cli.registration import RegistrationError, command_changes, register_commands


@pytest.fixture
async def discord_sim() -> AsyncIterator[DiscordSimulator]:
    async with DiscordSimulator() as sim:
        yield sim


@pytest.mark.parametrize("in_one_guild", [False, True])  # global, or one guild while testing
async def test_register_is_idempotent(discord_sim: DiscordSimulator, in_one_guild: bool) -> None:
    guild = discord_sim.add_guild(name="Test server").id if in_one_guild else None
    settings = load_settings(
        discord_application_id=discord_sim.application_id,
        discord_bot_token=discord_sim.bot_token,
        discord_api_base=discord_sim.api_base,
        discord_gateway_url=discord_sim.gateway_url,
    )
    first = await register_commands(settings, guild)
    assert "+ /play (new)" in first
    assert first[:-1] == sorted(f"+ /{name} (new)" for name in CATALOGUE)  # one line per command
    assert first[-1].startswith(f"registered {len(CATALOGUE)} commands")

    second = await register_commands(settings, guild)
    assert second == ["commands are up to date; nothing sent"]
    puts = discord_sim.requests.matching("PUT", "/commands")
    assert len(puts) == 1
    assert puts[0].status == 200
    assert [c["name"] for c in puts[0].json] == list(CATALOGUE)
    stored = {c["name"]: c for c in discord_sim.commands.in_scope(guild)}
    assert stored["play"]["name_localizations"]["es-ES"] == "reproducir"  # translations went along


def test_changes_are_listed_by_kind() -> None:
    play = CATALOGUE["play"].to_discord()
    changed = {**play, "description": "Different"}
    assert command_changes([changed, {"name": "old"}], [play]) == ["- /old (removed)", "~ /play (changed)"]
    assert command_changes([play], [play]) == []


async def test_guild_the_bot_is_not_in_is_refused(discord_sim: DiscordSimulator) -> None:
    settings = load_settings(
        discord_application_id=discord_sim.application_id,
        discord_bot_token=discord_sim.bot_token,
        discord_api_base=discord_sim.api_base,
        discord_gateway_url=discord_sim.gateway_url,
    )
    with pytest.raises(RegistrationError, match=r"Missing Access \(is the bot in that guild\?\)"):
        await register_commands(settings, 1100000000000000000)
