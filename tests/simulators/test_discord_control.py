"""The ``/_sim`` control API that drives ``python -m encore.simulators.discord`` from another process:
every route driven over HTTP, and what it changes in the simulated Discord (seen through Discord's
own REST routes), plus the JSON errors it answers for bad input."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from nacl.exceptions import BadSignatureError
from nacl.signing import VerifyKey

from encore.simulators.discord import DiscordSimulator


class App:
    """A stand-in for our interactions front and webhook-events endpoint: checks Discord's
    signature, records what arrived, answers interactions with a message and events with 204."""

    def __init__(self, public_key_hex: str) -> None:
        self._key = VerifyKey(bytes.fromhex(public_key_hex))
        self.interactions: list[dict[str, Any]] = []
        self.events: list[dict[str, Any]] = []
        self.base = ""
        self._runner: web.AppRunner | None = None

    async def _verified(self, request: web.Request) -> dict[str, Any] | None:
        body = await request.read()
        try:
            self._key.verify(
                request.headers["X-Signature-Timestamp"].encode() + body,
                bytes.fromhex(request.headers["X-Signature-Ed25519"]),
            )
        except (BadSignatureError, KeyError, ValueError):
            return None
        payload: dict[str, Any] = json.loads(body)
        return payload

    async def interaction(self, request: web.Request) -> web.StreamResponse:
        payload = await self._verified(request)
        if payload is None:
            return web.Response(status=401)
        self.interactions.append(payload)
        return web.json_response({"type": 4, "data": {"content": f"now playing for {payload['locale']}"}})

    async def event(self, request: web.Request) -> web.StreamResponse:
        payload = await self._verified(request)
        if payload is None:
            return web.Response(status=401)
        self.events.append(payload)
        return web.Response(status=204)

    async def __aenter__(self) -> App:
        app = web.Application()
        app.router.add_post("/interactions", self.interaction)
        app.router.add_post("/events", self.event)
        self._runner = web.AppRunner(app, shutdown_timeout=0.5)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.base = f"http://127.0.0.1:{self._runner.addresses[0][1]}"
        return self

    async def __aexit__(self, *_: object) -> None:
        if self._runner is not None:
            await self._runner.cleanup()


@pytest.fixture
async def sim() -> AsyncIterator[DiscordSimulator]:
    async with DiscordSimulator() as simulator:
        yield simulator


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def call(
    http: aiohttp.ClientSession, sim: DiscordSimulator, method: str, path: str, body: Any = None
) -> tuple[int, Any]:
    async with http.request(method, f"{sim.base_url}/_sim{path}", json=body) as response:
        assert response.headers["Content-Type"] == "application/json"
        return response.status, await response.json()


async def discord_get(http: aiohttp.ClientSession, sim: DiscordSimulator, path: str) -> tuple[int, Any]:
    headers = {"Authorization": f"Bot {sim.bot_token}"}
    async with http.get(sim.api_base + path, headers=headers) as response:
        return response.status, await response.json()


async def test_info_tells_another_process_how_to_reach_the_simulator(
    sim: DiscordSimulator, http: aiohttp.ClientSession
) -> None:
    status, info = await call(http, sim, "GET", "/info")
    assert status == 200
    assert info == {
        "application_id": str(sim.application_id),
        "bot_user_id": str(sim.bot_user_id),
        "bot_token": sim.bot_token,
        "public_key": sim.public_key_hex,
        "api_base": sim.api_base,
        "gateway_url": sim.gateway_url,
        "interactions_url": None,
    }
    assert (await discord_get(http, sim, "/users/@me"))[1]["id"] == info["bot_user_id"]


async def test_building_a_world_over_http_is_what_discord_then_serves(
    sim: DiscordSimulator, http: aiohttp.ClientSession
) -> None:
    status, guild = await call(http, sim, "POST", "/guilds", {"name": "Night Owls"})
    assert status == 201
    g = guild["id"]
    _, voice = await call(http, sim, "POST", f"/guilds/{g}/voice-channels", {"name": "Lounge"})
    _, text = await call(http, sim, "POST", f"/guilds/{g}/text-channels", {"name": "requests"})
    _, member = await call(http, sim, "POST", f"/guilds/{g}/members", {"username": "dj", "user_id": 4242})
    assert member == {"id": "4242"}

    status, state = await call(
        http, sim, "PUT", f"/guilds/{g}/voice-states/4242", {"channel_id": voice["id"]}
    )
    assert status == 200
    assert (state["channel_id"], state["user_id"]) == (voice["id"], "4242")
    assert (await discord_get(http, sim, f"/guilds/{g}/voice-states/4242"))[1]["channel_id"] == voice["id"]
    assert (await discord_get(http, sim, f"/guilds/{g}"))[1]["name"] == "Night Owls"
    channels = (await discord_get(http, sim, f"/guilds/{g}/channels"))[1]
    assert {(c["id"], c["name"], c["type"]) for c in channels} == {
        (voice["id"], "Lounge", 2),
        (text["id"], "requests", 0),
    }

    _, world = await call(http, sim, "GET", "/world")
    [seen] = world
    assert (seen["id"], seen["name"]) == (g, "Night Owls")
    assert "4242" in {m["user"]["id"] for m in seen["members"]}
    assert [s["channel_id"] for s in seen["voice_states"]] == [voice["id"]]

    # Leaving voice: Discord then has no voice state for the user.
    status, state = await call(http, sim, "PUT", f"/guilds/{g}/voice-states/4242", {"channel_id": None})
    assert (status, state) == (200, None)
    status, missing = await discord_get(http, sim, f"/guilds/{g}/voice-states/4242")
    assert (status, missing["code"]) == (404, 10065)


async def test_a_slash_command_reaches_the_configured_front_and_its_answer_is_kept(
    sim: DiscordSimulator, http: aiohttp.ClientSession
) -> None:
    guild = sim.add_guild("Sandbox")
    text = sim.add_text_channel(guild.id)
    user = sim.add_member(guild.id, username="listener")
    async with App(sim.public_key_hex) as app:
        status, config = await call(
            http, sim, "PUT", "/config", {"interactions_url": app.base + "/interactions"}
        )
        assert (status, config) == (
            200,
            {"interactions_url": app.base + "/interactions", "webhook_events_url": None},
        )

        body = {
            "guild_id": str(guild.id),
            "channel_id": str(text),
            "user_id": str(user.id),
            "name": "play",
            "options": [{"type": 3, "name": "query", "value": "lofi"}],
            "locale": "fr",
        }
        status, exchange = await call(http, sim, "POST", "/interactions/slash", body)
    assert status == 200
    assert (exchange["status"], exchange["failed"], exchange["acknowledged_via"]) == (200, False, "http")
    [received] = app.interactions
    assert received["data"]["name"] == "play"
    assert received["data"]["options"] == [{"type": 3, "name": "query", "value": "lofi"}]
    assert received["locale"] == "fr"

    status, kept = await call(http, sim, "GET", f"/interactions/{exchange['token']}")
    assert status == 200
    assert kept["original"]["content"] == "now playing for fr"
    assert kept["followups"] == []
    status, unknown = await call(http, sim, "GET", "/interactions/never-issued")
    assert (status, unknown) == (404, {"message": "unknown token"})


async def test_requests_lists_what_clients_sent_to_discord(
    sim: DiscordSimulator, http: aiohttp.ClientSession
) -> None:
    await discord_get(http, sim, "/users/@me")
    await discord_get(http, sim, "/guilds/1")
    _, recorded = await call(http, sim, "GET", "/requests")
    assert [(r["method"], r["path"], r["status"]) for r in recorded] == [
        ("GET", "/api/v10/users/@me", 200),
        ("GET", "/api/v10/guilds/1", 404),
    ]


async def test_minted_oauth2_tokens_log_a_dashboard_user_in(
    sim: DiscordSimulator, http: aiohttp.ClientSession
) -> None:
    grant = {"username": "ada", "guilds": [{"id": "99", "permissions": "32", "owner": True, "name": "Ada's"}]}
    status, token = await call(http, sim, "POST", "/oauth2/tokens", grant)
    assert status == 201
    assert token["token_type"] == "Bearer"
    assert set(token["scope"].split()) == {"identify", "guilds"}
    bearer = {"Authorization": f"Bearer {token['access_token']}"}
    async with http.get(sim.api_base + "/users/@me", headers=bearer) as me:
        assert (await me.json())["id"] == token["user_id"]
    async with http.get(sim.api_base + "/users/@me/guilds", headers=bearer) as guilds:
        [only] = await guilds.json()
    assert (only["id"], only["owner"], only["permissions"], only["name"]) == ("99", True, "32", "Ada's")


async def test_entitlements_and_webhook_events(sim: DiscordSimulator, http: aiohttp.ClientSession) -> None:
    status, entitlement = await call(http, sim, "POST", "/entitlements", {"sku_id": "77", "guild_id": "5"})
    assert status == 201
    assert (entitlement["sku_id"], entitlement["guild_id"]) == ("77", "5")
    _, listed = await discord_get(http, sim, f"/applications/{sim.application_id}/entitlements")
    assert [e["id"] for e in listed] == [entitlement["id"]]

    # Without a webhook-events URL there is nowhere to deliver: a clear 409, not a crash.
    status, error = await call(http, sim, "POST", "/webhook-events", {"type": 0})
    assert status == 409
    assert "webhook-events URL" in error["message"]

    async with App(sim.public_key_hex) as app:
        await call(http, sim, "PUT", "/config", {"webhook_events_url": app.base + "/events"})
        status, ping = await call(http, sim, "POST", "/webhook-events", {"type": 0})
        assert (status, ping) == (200, {"status": 204, "delivered": True, "error": None})
        created = {"type": 1, "event": "ENTITLEMENT_CREATE", "entitlement_id": entitlement["id"]}
        assert (await call(http, sim, "POST", "/webhook-events", created))[1]["delivered"] is True
        deleted = {**created, "event": "ENTITLEMENT_DELETE"}
        assert (await call(http, sim, "POST", "/webhook-events", deleted))[1]["delivered"] is True
        raw = {"type": 1, "event": "ENTITLEMENT_UPDATE", "data": {"id": "1", "sku_id": "2"}}
        assert (await call(http, sim, "POST", "/webhook-events", raw))[1]["delivered"] is True
        unknown = {**created, "entitlement_id": "123"}
        status, error = await call(http, sim, "POST", "/webhook-events", unknown)
        assert (status, error) == (404, {"message": "unknown entitlement"})

    assert [e["type"] for e in app.events] == [0, 1, 1, 1]
    assert [e["event"]["type"] for e in app.events[1:]] == [
        "ENTITLEMENT_CREATE",
        "ENTITLEMENT_DELETE",
        "ENTITLEMENT_UPDATE",
    ]
    # The DELETE event also deleted it in Discord: out of listings, marked deleted.
    assert (await discord_get(http, sim, f"/applications/{sim.application_id}/entitlements"))[1] == []
    path = f"/applications/{sim.application_id}/entitlements/{entitlement['id']}"
    assert (await discord_get(http, sim, path))[1]["deleted"] is True


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("POST", "/guilds", [1, 2], 400),  # not a JSON object
        ("POST", "/guilds/not-a-number/members", {}, 400),
        ("POST", "/guilds/12345/voice-channels", {"name": "x"}, 404),  # unknown guild
        ("POST", "/guilds/12345/members", {}, 404),
        ("PUT", "/guilds/12345/voice-states/1", {"channel_id": None}, 404),
        ("POST", "/interactions/slash", {"channel_id": "1", "user_id": "2"}, 400),  # no name
        ("POST", "/entitlements", {"guild_id": "5"}, 400),  # no sku_id
        ("POST", "/webhook-events", {"type": 1, "event": "ENTITLEMENT_CREATE"}, 400),
        ("POST", "/oauth2/tokens", {"guilds": [{"permissions": "8"}]}, 400),  # guild without id
    ],
)
async def test_bad_control_requests_get_a_json_error_and_change_nothing(
    sim: DiscordSimulator, http: aiohttp.ClientSession, method: str, path: str, body: Any, status: int
) -> None:
    answered, error = await call(http, sim, method, path, body)
    assert answered == status
    assert error["message"]
    assert sim.world.guilds == {}


async def test_invalid_json_and_unknown_member_voice_moves_are_refused(
    sim: DiscordSimulator, http: aiohttp.ClientSession
) -> None:
    async with http.post(f"{sim.base_url}/_sim/guilds", data=b"{nope") as response:
        assert response.status == 400
        assert (await response.json())["message"] == "the body is not valid JSON"
    guild = sim.add_guild("Sandbox")
    voice = sim.add_voice_channel(guild.id)
    status, _ = await call(
        http, sim, "PUT", f"/guilds/{guild.id}/voice-states/999", {"channel_id": str(voice)}
    )
    assert status == 404
    assert guild.voice_states == {}
