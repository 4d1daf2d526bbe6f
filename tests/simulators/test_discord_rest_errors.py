"""Discord's REST error answers as discord.py (and a bare HTTP client) meet them: unknown guild,
channel, member and entitlement (404 with their JSON codes), malformed snowflakes and query
parameters (400 50035), invalid JSON (50109), 405, 401 on a bad token, and the body and headers
of injected 429s (``retry_after``, ``global``, ``X-RateLimit-Scope``)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import discord
import pytest

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
async def client(discord_sim: DiscordSimulator) -> AsyncIterator[discord.Client]:
    client = discord.Client(intents=discord.Intents.none())
    await client.login(discord_sim.bot_token)
    try:
        yield client
    finally:
        await client.close()


async def request(
    http: aiohttp.ClientSession,
    sim: DiscordSimulator,
    method: str,
    path: str,
    *,
    token: str | None = None,
    **kwargs: Any,
) -> tuple[int, Any, dict[str, str]]:
    headers = {"Authorization": f"Bot {token or sim.bot_token}", **kwargs.pop("headers", {})}
    async with http.request(method, sim.api_base + path, headers=headers, **kwargs) as response:
        body = None if response.status == 204 else await response.json()
        return response.status, body, dict(response.headers)


async def test_unknown_guild_channel_and_member_are_404_with_discords_codes(
    discord_sim: DiscordSimulator, client: discord.Client
) -> None:
    guild = discord_sim.add_guild("Sandbox")
    voice = discord_sim.add_voice_channel(guild.id, "Lounge")
    member = discord_sim.add_member(guild.id, username="listener")

    fetched = await client.fetch_guild(guild.id)
    assert fetched.name == "Sandbox"
    assert [c.name for c in await fetched.fetch_channels()] == ["Lounge"]
    assert (await fetched.fetch_member(member.id)).name == "listener"
    assert (await fetched.fetch_member(discord_sim.bot_user_id)).bot
    channel = await client.fetch_channel(voice)
    assert isinstance(channel, discord.VoiceChannel)

    with pytest.raises(discord.NotFound) as no_guild:
        await client.fetch_guild(guild.id + 1)
    assert no_guild.value.code == 10004
    with pytest.raises(discord.NotFound) as no_channel:
        await client.fetch_channel(voice + 1)
    assert no_channel.value.code == 10003
    with pytest.raises(discord.NotFound) as no_member:
        await fetched.fetch_member(member.id + 1)
    assert no_member.value.code == 10007


async def test_the_bot_member_is_addressable_as_me(
    discord_sim: DiscordSimulator, http: aiohttp.ClientSession
) -> None:
    guild = discord_sim.add_guild()
    status, me, _ = await request(http, discord_sim, "GET", f"/guilds/{guild.id}/members/@me")
    assert status == 200
    assert me["user"]["id"] == str(discord_sim.bot_user_id)


@pytest.mark.parametrize(
    ("path", "field", "code"),
    [
        ("/guilds/sandbox", "guild_id", "NUMBER_TYPE_COERCE"),
        ("/channels/general", "channel_id", "NUMBER_TYPE_COERCE"),
        ("/users/@me/guilds?limit=0", "limit", "NUMBER_TYPE_MAX"),
        ("/users/@me/guilds?limit=201", "limit", "NUMBER_TYPE_MAX"),
        ("/users/@me/guilds?limit=many", "limit", "NUMBER_TYPE_MAX"),
        ("/users/@me/guilds?before=yesterday", "before", "NUMBER_TYPE_COERCE"),
    ],
)
async def test_malformed_ids_and_query_values_are_50035(
    discord_sim: DiscordSimulator, http: aiohttp.ClientSession, path: str, field: str, code: str
) -> None:
    status, body, _ = await request(http, discord_sim, "GET", path)
    assert (status, body["code"], body["message"]) == (400, 50035, "Invalid Form Body")
    assert body["errors"][field]["_errors"][0]["code"] == code


async def test_the_bots_guilds_page_by_id(discord_sim: DiscordSimulator, client: discord.Client) -> None:
    ids = [discord_sim.add_guild(f"g{i}").id for i in range(5)]
    assert [g.id async for g in client.fetch_guilds(limit=None)] == ids
    assert [g.id async for g in client.fetch_guilds(limit=2)] == ids[:2]
    before = [g.id async for g in client.fetch_guilds(limit=2, before=discord.Object(ids[3]))]
    assert sorted(before) == ids[1:3]


async def test_invalid_json_bad_method_and_bad_token(
    discord_sim: DiscordSimulator, http: aiohttp.ClientSession
) -> None:
    commands = f"/applications/{discord_sim.application_id}/commands"
    status, body, _ = await request(
        http, discord_sim, "PUT", commands, data=b"[{", headers={"Content-Type": "application/json"}
    )
    assert (status, body) == (400, {"message": "The request body contains invalid JSON.", "code": 50109})
    status, body, _ = await request(http, discord_sim, "DELETE", "/users/@me")
    assert (status, body) == (405, {"message": "405: Method Not Allowed", "code": 0})
    status, body, _ = await request(http, discord_sim, "GET", "/users/@me", token="not-the-token")
    assert (status, body) == (401, {"message": "401: Unauthorized", "code": 0})
    assert discord_sim.commands.in_scope(None) == []
    assert discord_sim.invalid_request_count == 1  # only the 401 counts towards Cloudflare's ban


async def test_gateway_url_needs_no_token(discord_sim: DiscordSimulator, http: aiohttp.ClientSession) -> None:
    async with http.get(discord_sim.api_base + "/gateway") as response:
        assert await response.json() == {"url": discord_sim.gateway_url}


async def test_entitlement_errors(discord_sim: DiscordSimulator, http: aiohttp.ClientSession) -> None:
    own = f"/applications/{discord_sim.application_id}/entitlements"
    status, body, _ = await request(
        http, discord_sim, "GET", f"/applications/{discord_sim.application_id + 1}/entitlements"
    )
    assert (status, body["code"]) == (404, 10002)

    status, body, _ = await request(http, discord_sim, "POST", own, json={"sku_id": "1"})
    assert (status, body["code"]) == (400, 50035)
    assert set(body["errors"]) == {"owner_id", "owner_type"}
    bad_type = {"sku_id": "1", "owner_id": "2", "owner_type": 3}
    status, body, _ = await request(http, discord_sim, "POST", own, json=bad_type)
    assert body["errors"]["owner_type"]["_errors"][0]["code"] == "BASE_TYPE_CHOICES"

    user_owned = {"sku_id": "1", "owner_id": "2", "owner_type": 2}
    status, created, _ = await request(http, discord_sim, "POST", own, json=user_owned)
    assert (status, created["user_id"], created.get("guild_id")) == (200, "2", None)
    status, listed, _ = await request(http, discord_sim, "GET", own, params={"user_id": "2"})
    assert [e["id"] for e in listed] == [created["id"]]
    status, fetched, _ = await request(http, discord_sim, "GET", f"{own}/{created['id']}")
    assert fetched == created
    assert (await request(http, discord_sim, "DELETE", f"{own}/{created['id']}"))[0] == 204
    status, body, _ = await request(http, discord_sim, "DELETE", f"{own}/{created['id']}")
    assert (status, body["code"]) == (404, 10029)
    status, body, _ = await request(http, discord_sim, "GET", f"{own}/12345")
    assert (status, body["code"]) == (404, 10029)


@pytest.mark.parametrize(
    ("is_global", "scope", "counts_as_invalid"),
    [(True, "global", True), (False, "user", True), (False, "shared", False)],
)
async def test_a_429_carries_retry_after_global_and_scope(
    discord_sim: DiscordSimulator,
    http: aiohttp.ClientSession,
    is_global: bool,
    scope: str,
    counts_as_invalid: bool,
) -> None:
    discord_sim.faults.rate_limit("/users/@me", retry_after=2.5, scope=scope, is_global=is_global)
    status, body, headers = await request(http, discord_sim, "GET", "/users/@me")
    assert status == 429
    assert body == {"message": "You are being rate limited.", "retry_after": 2.5, "global": is_global}
    assert headers["X-RateLimit-Scope"] == scope
    assert headers["Retry-After"] == "3"
    assert headers["Via"] == "1.1 google"
    assert ("X-RateLimit-Global" in headers) is is_global
    assert discord_sim.invalid_request_count == int(counts_as_invalid)
    # The fault was used up: the next request goes through.
    assert (await request(http, discord_sim, "GET", "/users/@me"))[0] == 200


async def test_clearing_faults_restores_normal_answers(
    discord_sim: DiscordSimulator, http: aiohttp.ClientSession
) -> None:
    discord_sim.faults.server_error("/users/@me", count=5, status=503)
    discord_sim.faults.latency("/users/@me", 0.01)
    assert (await request(http, discord_sim, "GET", "/users/@me"))[0] == 503
    discord_sim.faults.clear()
    assert (await request(http, discord_sim, "GET", "/users/@me"))[0] == 200
