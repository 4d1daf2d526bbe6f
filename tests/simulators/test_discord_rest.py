"""REST v10 as discord.py sees it: exact headers, authentication, rate limits (real buckets and
injected 429s with and without ``Via``), 5xx retries, commands, voice states."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import discord
import pytest
from discord import app_commands

from encore.simulators.discord import DiscordSimulator
from encore.simulators.discord.testing import discord_py_pointed_at


@pytest.fixture
async def discord_sim() -> AsyncIterator[DiscordSimulator]:
    async with DiscordSimulator() as simulator:
        with discord_py_pointed_at(simulator):
            yield simulator


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
async def logged_in(discord_sim: DiscordSimulator) -> AsyncIterator[discord.Client]:
    """A discord.py client that logged in over REST (no gateway)."""
    client = discord.Client(intents=discord.Intents.none())
    await client.login(discord_sim.bot_token)
    try:
        yield client
    finally:
        await client.close()


def auth(sim: DiscordSimulator) -> dict[str, str]:
    return {"Authorization": f"Bot {sim.bot_token}"}


def tree_with_play(client: discord.Client) -> app_commands.CommandTree[discord.Client]:
    tree: app_commands.CommandTree[discord.Client] = app_commands.CommandTree(client)

    @tree.command(name="play", description="Play a song")
    async def play(interaction: discord.Interaction, query: str) -> None:  # pragma: no cover
        del interaction, query

    return tree


async def test_answers_carry_exact_json_content_type_via_and_rate_limit_headers(
    discord_sim: DiscordSimulator, http: aiohttp.ClientSession
) -> None:
    async with http.get(discord_sim.api_base + "/users/@me", headers=auth(discord_sim)) as ok:
        assert ok.status == 200
        assert ok.headers["Content-Type"] == "application/json"
        assert ok.headers["Via"] == "1.1 google"
        for header in ("Limit", "Remaining", "Reset", "Reset-After", "Bucket"):
            assert f"X-RateLimit-{header}" in ok.headers
        assert (await ok.json())["id"] == str(discord_sim.bot_user_id)

    async with http.get(discord_sim.api_base + "/users/@me") as denied:
        assert denied.status == 401
        assert denied.headers["Content-Type"] == "application/json"
        assert await denied.json() == {"message": "401: Unauthorized", "code": 0}

    async with http.get(discord_sim.api_base + "/nowhere", headers=auth(discord_sim)) as missing:
        assert missing.status == 404
        assert await missing.json() == {"message": "404: Not Found", "code": 0}
    assert [r.status for r in discord_sim.requests] == [200, 401, 404]
    assert discord_sim.invalid_request_count == 1


async def test_discord_py_login_reads_the_application(
    discord_sim: DiscordSimulator, logged_in: discord.Client
) -> None:
    info = await logged_in.application_info()
    assert info.id == discord_sim.application_id
    assert info.verify_key == discord_sim.public_key_hex
    assert logged_in.user is not None
    assert logged_in.user.bot


async def test_wrong_token_is_a_login_failure(discord_sim: DiscordSimulator) -> None:
    client = discord.Client(intents=discord.Intents.none())
    with pytest.raises(discord.LoginFailure):
        await client.login("not-a-token")
    await client.close()


@pytest.mark.parametrize("is_global", [False, True])
async def test_429_with_via_is_retried_by_discord_py(
    discord_sim: DiscordSimulator, logged_in: discord.Client, is_global: bool
) -> None:
    discord_sim.faults.rate_limit("/commands", count=1, retry_after=0.1, is_global=is_global)
    synced = await tree_with_play(logged_in).sync()
    assert [c.name for c in synced] == ["play"]
    attempts = discord_sim.requests.matching("PUT", "/commands")
    assert [r.status for r in attempts] == [429, 200]


async def test_429_without_via_is_raised_as_a_cloudflare_ban(
    discord_sim: DiscordSimulator, logged_in: discord.Client
) -> None:
    discord_sim.faults.rate_limit("/commands", count=1, via=False)
    with pytest.raises(discord.HTTPException) as raised:
        await tree_with_play(logged_in).sync()
    assert raised.value.status == 429
    assert len(discord_sim.requests.matching("PUT", "/commands")) == 1


async def test_5xx_is_retried_by_discord_py(discord_sim: DiscordSimulator, logged_in: discord.Client) -> None:
    discord_sim.faults.server_error("/commands", count=1, status=502)
    await tree_with_play(logged_in).sync()
    assert [r.status for r in discord_sim.requests.matching("PUT", "/commands")] == [502, 200]


async def test_per_route_bucket_answers_429_when_exhausted(
    discord_sim: DiscordSimulator, http: aiohttp.ClientSession
) -> None:
    statuses: list[int] = []
    last: dict[str, Any] = {}
    for _ in range(11):  # 10 per second per route
        async with http.get(discord_sim.api_base + "/users/@me", headers=auth(discord_sim)) as r:
            statuses.append(r.status)
            last = {"headers": dict(r.headers), "body": await r.json()}
    assert statuses == [200] * 10 + [429]
    assert last["headers"]["X-RateLimit-Scope"] == "user"
    assert last["headers"]["Via"] == "1.1 google"
    assert 0 < last["body"]["retry_after"] <= 1.0
    assert last["body"]["global"] is False


async def test_commands_bulk_overwrite_stores_and_keeps_ids(
    discord_sim: DiscordSimulator, http: aiohttp.ClientSession
) -> None:
    url = f"{discord_sim.api_base}/applications/{discord_sim.application_id}/commands"
    play = {
        "name": "play",
        "description": "Play a song",
        "options": [{"type": 3, "name": "query", "description": "What to play", "required": True}],
    }
    async with http.put(url, json=[play], headers=auth(discord_sim)) as first:
        created = await first.json()
    async with http.put(
        url,
        json=[{**play, "description": "Play music"}, {"name": "skip", "description": "Skip"}],
        headers=auth(discord_sim),
    ) as second:
        replaced = await second.json()
    async with http.get(url, headers=auth(discord_sim)) as listed:
        stored = await listed.json()

    assert replaced[0]["id"] == created[0]["id"]  # same (type, name): same id
    assert replaced[0]["version"] != created[0]["version"]  # changed: new version
    assert [c["name"] for c in stored] == ["play", "skip"]
    assert stored[0]["application_id"] == str(discord_sim.application_id)


@pytest.mark.parametrize(
    ("command", "path", "code"),
    [
        ({"name": "Play", "description": "x"}, ["0", "name"], "APPLICATION_COMMAND_INVALID_NAME"),
        ({"name": "p" * 33, "description": "x"}, ["0", "name"], "BASE_TYPE_BAD_LENGTH"),
        ({"name": "play", "description": ""}, ["0", "description"], "BASE_TYPE_BAD_LENGTH"),
        (
            {"name": "Play Song", "type": 3, "description": "no"},
            ["0", "description"],
            "APPLICATION_COMMAND_CONTEXT_MENU_DESCRIPTION",
        ),
    ],
)
async def test_invalid_commands_are_rejected_with_50035(
    discord_sim: DiscordSimulator,
    http: aiohttp.ClientSession,
    command: dict[str, Any],
    path: list[str],
    code: str,
) -> None:
    guild = discord_sim.add_guild()
    url = f"{discord_sim.api_base}/applications/{discord_sim.application_id}/guilds/{guild.id}/commands"
    async with http.put(url, json=[command], headers=auth(discord_sim)) as response:
        body = await response.json()
    assert response.status == 400
    assert body["code"] == 50035
    node = body["errors"]
    for key in path:
        node = node[key]
    assert node["_errors"][0]["code"] == code
    assert discord_sim.commands.in_scope(guild.id) == []


async def test_more_than_100_chat_commands_are_rejected(
    discord_sim: DiscordSimulator, http: aiohttp.ClientSession
) -> None:
    url = f"{discord_sim.api_base}/applications/{discord_sim.application_id}/commands"
    many = [{"name": f"c{i}", "description": "x"} for i in range(101)]
    async with http.put(url, json=many, headers=auth(discord_sim)) as response:
        assert response.status == 400
        assert (await response.json())["errors"]["_errors"][0]["code"] == "BASE_TYPE_MAX_LENGTH"


async def test_voice_state_route(discord_sim: DiscordSimulator, logged_in: discord.Client) -> None:
    guild = discord_sim.add_guild()
    voice = discord_sim.add_voice_channel(guild.id)
    gus = discord_sim.add_member(guild.id, username="gus")
    route = discord.http.Route(
        "GET", "/guilds/{guild_id}/voice-states/{user_id}", guild_id=guild.id, user_id=gus.id
    )
    with pytest.raises(discord.NotFound) as missing:
        await logged_in.http.request(route)
    assert missing.value.code == 10065

    await discord_sim.set_voice_state(guild.id, gus.id, voice)
    state = await logged_in.http.request(route)
    assert state["channel_id"] == str(voice)
    assert state["guild_id"] == str(guild.id)
    assert state["member"]["user"]["id"] == str(gus.id)
    assert state == discord_sim.voice_state(guild.id, gus.id)
