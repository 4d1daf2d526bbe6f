"""The simulator's OAuth2 bearer endpoints, test entitlements and signed webhook events, as Discord
answers them: what a dashboard sees for a logged-in user, and what Discord POSTs to the app."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import web

from encore.simulators.discord import DiscordSimulator
from encore.simulators.discord.oauth2 import UserGuild
from interactions.signature import InvalidSignatureError, SignatureVerifier

MANAGE_GUILD = 1 << 5


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def discord_sim(clock: Clock) -> AsyncIterator[DiscordSimulator]:
    async with DiscordSimulator(clock=clock) as simulator:
        yield simulator


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_a_users_token_reads_them_and_their_guilds_with_string_permissions(
    discord_sim: DiscordSimulator, http: aiohttp.ClientSession
) -> None:
    guild = discord_sim.add_guild("Jazz Club")
    grant = discord_sim.mint_user_token(
        [UserGuild(guild.id, MANAGE_GUILD), UserGuild(42, 0, owner=True, name="Mine")], username="ada"
    )
    async with http.get(discord_sim.api_base + "/users/@me", headers=bearer(grant.access_token)) as me:
        assert me.status == 200
        body = await me.json()
        assert body["id"] == str(grant.user_id)
        assert body["username"] == "ada"
        assert "bot" not in body
    async with http.get(discord_sim.api_base + "/users/@me/guilds", headers=bearer(grant.access_token)) as gs:
        assert gs.status == 200
        assert gs.headers["Content-Type"] == "application/json"
        guilds = await gs.json()
    assert [(g["id"], g["name"], g["owner"], g["permissions"]) for g in guilds] == [
        ("42", "Mine", True, "0"),
        (str(guild.id), "Jazz Club", False, str(MANAGE_GUILD)),
    ]


async def test_unknown_expired_and_scopeless_tokens_are_unauthorized_like_discord(
    discord_sim: DiscordSimulator, http: aiohttp.ClientSession, clock: Clock
) -> None:
    unauthorized = {"message": "401: Unauthorized", "code": 0}
    async with http.get(discord_sim.api_base + "/users/@me/guilds", headers=bearer("made-up")) as answer:
        assert answer.status == 401
        assert await answer.json() == unauthorized
    identify_only = discord_sim.mint_user_token(scopes=["identify"])
    url = discord_sim.api_base + "/users/@me/guilds"
    async with http.get(url, headers=bearer(identify_only.access_token)) as answer:
        assert answer.status == 401
    short = discord_sim.mint_user_token(expires_in=60)
    async with http.get(url, headers=bearer(short.access_token)) as answer:
        assert answer.status == 200
    clock.now += 61
    async with http.get(url, headers=bearer(short.access_token)) as answer:
        assert answer.status == 401
        assert await answer.json() == unauthorized
    # A bearer token does not open bot routes.
    async with http.get(
        discord_sim.api_base + "/gateway/bot", headers=bearer(identify_only.access_token)
    ) as bot:
        assert bot.status == 401
    assert discord_sim.invalid_request_count == 4


async def test_bearer_requests_are_rate_limited_per_token_and_route(
    discord_sim: DiscordSimulator, http: aiohttp.ClientSession
) -> None:
    first = discord_sim.mint_user_token()
    second = discord_sim.mint_user_token()
    url = discord_sim.api_base + "/users/@me/guilds"
    statuses = []
    for _ in range(11):
        async with http.get(url, headers=bearer(first.access_token)) as answer:
            statuses.append(answer.status)
            if answer.status == 429:
                assert answer.headers["X-RateLimit-Scope"] == "user"
                assert "retry_after" in await answer.json()
    assert statuses == [200] * 10 + [429]
    async with http.get(url, headers=bearer(second.access_token)) as other:
        assert other.status == 200  # another user's token has its own bucket


async def test_test_entitlements_are_created_listed_and_deleted(
    discord_sim: DiscordSimulator, http: aiohttp.ClientSession
) -> None:
    auth = {"Authorization": f"Bot {discord_sim.bot_token}"}
    base = f"{discord_sim.api_base}/applications/{discord_sim.application_id}/entitlements"
    body = {"sku_id": "1234567890123456789", "owner_id": "98765", "owner_type": 1}
    async with http.post(base, json=body, headers=auth) as created:
        assert created.status == 200
        entitlement = await created.json()
    assert entitlement["sku_id"] == "1234567890123456789"
    assert entitlement["guild_id"] == "98765"
    assert entitlement["type"] == 4
    assert entitlement["ends_at"] is None
    async with http.get(base, params={"guild_id": "98765"}, headers=auth) as listed:
        assert [e["id"] for e in await listed.json()] == [entitlement["id"]]
    async with http.post(base, json={"sku_id": "1", "owner_id": "2", "owner_type": 3}, headers=auth) as bad:
        assert bad.status == 400
        assert (await bad.json())["code"] == 50035
    async with http.delete(f"{base}/{entitlement['id']}", headers=auth) as deleted:
        assert deleted.status == 204
    async with http.delete(f"{base}/{entitlement['id']}", headers=auth) as again:
        assert again.status == 404
        assert (await again.json())["code"] == 10029
    async with http.get(base, headers=auth) as listed:
        assert await listed.json() == []


class Receiver:
    """An app's webhook-events endpoint: verifies like the front and answers 204."""

    def __init__(self, public_key: str) -> None:
        self.verifier = SignatureVerifier(public_key)
        self.received: list[dict[str, object]] = []

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        try:
            self.verifier.verify(
                body, request.headers.get("X-Signature-Ed25519"), request.headers.get("X-Signature-Timestamp")
            )
        except InvalidSignatureError:
            return web.Response(status=401)
        self.received.append(json.loads(body))
        return web.Response(status=204)


async def test_webhook_events_are_signed_with_the_application_key(clock: Clock) -> None:
    clock.now = time.time()  # the receiver checks the timestamp against the real clock
    async with DiscordSimulator(clock=clock) as sim:
        receiver = Receiver(sim.public_key_hex)
        app = web.Application()
        app.router.add_post("/events", receiver.handle)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        sim.webhook_events_url = f"http://127.0.0.1:{runner.addresses[0][1]}/events"
        try:
            ping = await sim.send_webhook_ping()
            entitlement = sim.create_test_entitlement(555, guild_id=777)
            created = await sim.send_entitlement_event("ENTITLEMENT_CREATE", entitlement)
            tampered = await sim.send_webhook_ping(tamper_signature=True)
        finally:
            await runner.cleanup()
    assert ping.delivered
    assert created.delivered
    assert tampered.status == 401
    assert not tampered.delivered
    assert receiver.received[0] == {"version": 1, "application_id": str(sim.application_id), "type": 0}
    event = receiver.received[1]
    assert event["type"] == 1
    assert isinstance(event["event"], dict)
    assert event["event"]["type"] == "ENTITLEMENT_CREATE"
    assert event["event"]["data"]["guild_id"] == "777"
    assert event["event"]["data"]["sku_id"] == "555"


async def test_the_control_api_mints_tokens_and_sends_events(
    discord_sim: DiscordSimulator, http: aiohttp.ClientSession
) -> None:
    guild = discord_sim.add_guild("Ops")
    control = discord_sim.base_url + "/_sim"
    mint = {"guilds": [{"id": str(guild.id), "permissions": str(MANAGE_GUILD)}], "username": "ops"}
    async with http.post(control + "/oauth2/tokens", json=mint) as minted:
        assert minted.status == 201
        token = await minted.json()
    assert token["token_type"] == "Bearer"
    assert token["scope"] == "identify guilds"
    async with http.get(
        discord_sim.api_base + "/users/@me/guilds", headers=bearer(token["access_token"])
    ) as g:
        assert [x["id"] for x in await g.json()] == [str(guild.id)]
    async with http.post(control + "/entitlements", json={"sku_id": "9", "guild_id": str(guild.id)}) as made:
        assert made.status == 201
        assert (await made.json())["guild_id"] == str(guild.id)
    nowhere = {"type": 0, "url": "http://127.0.0.1:9/none"}
    async with http.post(control + "/webhook-events", json=nowhere) as sent:
        outcome = await sent.json()
    assert outcome["delivered"] is False
    assert outcome["error"].startswith("request failed")
