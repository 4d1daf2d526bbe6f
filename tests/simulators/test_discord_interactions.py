"""Discord's side of HTTP interactions: signed POSTs to a front, the 3 s acknowledgement rule,
interaction webhooks (@original, follow-ups) with their token lifetime and validation."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import discord
import pytest
from aiohttp import web
from discord.webhook.async_ import async_context
from hypothesis import given
from hypothesis import strategies as st
from nacl.exceptions import BadSignatureError
from nacl.signing import VerifyKey

from encore.simulators.discord import DiscordSimulator, SimGuild, SimMember
from encore.simulators.discord.interactions import Signer
from encore.simulators.discord.testing import discord_py_pointed_at

Answer = Callable[[dict[str, Any]], Awaitable[web.StreamResponse]]
LOADING = 1 << 7
EPHEMERAL = 1 << 6


class Clock:
    def __init__(self) -> None:
        self.now = 1_750_000_000.0

    def __call__(self) -> float:
        return self.now


class Front:
    """A tiny interactions endpoint: verifies Discord's signature as ours must, then answers
    with whatever the test set (a deferral by default)."""

    def __init__(self, public_key_hex: str) -> None:
        self.verify_key = VerifyKey(bytes.fromhex(public_key_hex))
        self.received: list[dict[str, Any]] = []
        self.rejected = 0
        self.answer: Answer = self.defer
        self.url = ""
        self._runner: web.AppRunner | None = None

    @staticmethod
    async def defer(_: dict[str, Any]) -> web.StreamResponse:
        return web.json_response({"type": 5})

    async def handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        try:
            self.verify_key.verify(
                request.headers["X-Signature-Timestamp"].encode() + body,
                bytes.fromhex(request.headers["X-Signature-Ed25519"]),
            )
        except (BadSignatureError, KeyError, ValueError):
            self.rejected += 1
            return web.Response(status=401, text="invalid request signature")
        payload: dict[str, Any] = json.loads(body)
        self.received.append(payload)
        if payload["type"] == 1:
            return web.json_response({"type": 1})
        return await self.answer(payload)

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/interactions", self.handle)
        self._runner = web.AppRunner(app, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}/interactions"

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def started(sim: DiscordSimulator) -> Front:
    front = Front(sim.public_key_hex)
    await front.start()
    sim.interactions_url = front.url
    return front


@pytest.fixture
async def world() -> AsyncIterator[tuple[DiscordSimulator, Front]]:
    async with DiscordSimulator() as sim:
        front = await started(sim)
        with discord_py_pointed_at(sim):
            try:
                yield sim, front
            finally:
                await front.close()


def seed(sim: DiscordSimulator) -> tuple[SimGuild, int, SimMember]:
    guild = sim.add_guild("Sandbox")
    text = sim.add_text_channel(guild.id)
    return guild, text, sim.add_member(guild.id, username="listener")


def webhook_route(sim: DiscordSimulator, token: str, tail: str = "/messages/@original") -> str:
    return f"{sim.api_base}/webhooks/{sim.application_id}/{token}{tail}"


async def test_deferred_command_then_edit_original_through_discord_py(
    world: tuple[DiscordSimulator, Front], http: aiohttp.ClientSession
) -> None:
    sim, front = world
    guild, text, user = seed(sim)

    ex = await sim.send_slash_command(guild.id, text, user.id, "play", [{"name": "query", "value": "rick"}])

    assert (ex.status, ex.failed, ex.acknowledged_via) == (200, False, "http")
    assert ex.body == {"type": 5}
    assert ex.elapsed < 3.0
    sent = front.received[0]
    assert sent == ex.payload
    assert sent["type"] == 2
    assert sent["token"] == ex.token
    assert sent["data"]["name"] == "play"
    assert sent["data"]["options"] == [{"name": "query", "value": "rick", "type": 3}]
    assert sent["guild_id"] == str(guild.id)
    assert sent["member"]["user"]["id"] == str(user.id)
    assert int(sent["member"]["permissions"]) & (1 << 20)  # CONNECT, from @everyone
    assert sent["locale"] == "en-US"
    assert sent["guild_locale"] == "en-US"
    assert sent["entitlements"] == []
    assert int(sent["app_permissions"]) > 0
    original = sim.original_message(ex.token)
    assert original is not None
    assert original["flags"] & LOADING

    adapter = async_context.get()
    edited = await adapter.edit_original_interaction_response(
        sim.application_id,
        ex.token,
        session=http,
        payload={"content": "Now playing", "allowed_mentions": {"parse": []}},
    )
    assert edited["content"] == "Now playing"
    assert "allowed_mentions" not in edited

    stored = await sim.wait_for_original_edit(ex.token, timeout=1.0)
    assert stored["content"] == "Now playing"
    assert stored["allowed_mentions"] == {"parse": []}
    assert not stored["flags"] & LOADING
    fetched = await adapter.get_original_interaction_response(sim.application_id, ex.token, session=http)
    assert fetched["id"] == stored["id"]


async def test_a_webhook_edit_rate_limited_with_via_is_retried(
    world: tuple[DiscordSimulator, Front], http: aiohttp.ClientSession
) -> None:
    sim, _ = world
    guild, text, user = seed(sim)
    ex = await sim.send_slash_command(guild.id, text, user.id, "play")
    sim.faults.rate_limit("/messages/@original", count=1, retry_after=0.1)

    await async_context.get().edit_original_interaction_response(
        sim.application_id, ex.token, session=http, payload={"content": "retried"}
    )
    assert [r.status for r in sim.requests.matching("PATCH", "@original")] == [429, 200]
    assert (sim.original_message(ex.token) or {})["content"] == "retried"


async def test_follow_ups_after_a_deferral(
    world: tuple[DiscordSimulator, Front], http: aiohttp.ClientSession
) -> None:
    sim, front = world
    guild, text, user = seed(sim)

    async def defer_ephemeral(_: dict[str, Any]) -> web.StreamResponse:
        return web.json_response({"type": 5, "data": {"flags": EPHEMERAL}})

    front.answer = defer_ephemeral
    ex = await sim.send_slash_command(guild.id, text, user.id, "queue")
    hook = discord.Webhook.partial(sim.application_id, ex.token, session=http)

    first = await hook.send("Queue: 3 songs", wait=True)
    original = sim.original_message(ex.token)
    assert original is not None
    assert first.id == int(original["id"])  # the first follow-up resolves the deferral
    assert original["flags"] & EPHEMERAL
    second = await hook.send("Added one more", wait=True)
    assert second.id != first.id
    await hook.edit_message(second.id, content="Added two more")
    assert [m["content"] for m in sim.followups(ex.token)] == ["Added two more"]


@pytest.mark.parametrize(
    "answer",
    ["late", "server_error", "invalid_type", "no_answer"],
)
async def test_failed_interactions_invalidate_the_token(answer: str, http: aiohttp.ClientSession) -> None:
    async with DiscordSimulator(ack_deadline=0.3) as sim:
        front = await started(sim)
        guild, text, user = seed(sim)

        async def respond(_: dict[str, Any]) -> web.StreamResponse:
            if answer == "late":  # answered, but after the deadline
                await asyncio.sleep(0.4)
                return web.json_response({"type": 5})
            if answer == "server_error":
                return web.json_response({"error": "boom"}, status=500)
            if answer == "invalid_type":  # autocomplete result to a slash command
                return web.json_response({"type": 8, "data": {"choices": []}})
            await asyncio.sleep(1.0)
            return web.json_response({"type": 5})

        front.answer = respond
        ex = await sim.send_slash_command(guild.id, text, user.id, "play", timeout=0.6)
        assert ex.failed
        assert ex.error
        assert ex.status == {"late": 200, "server_error": 500, "invalid_type": 200, "no_answer": None}[answer]

        async with http.patch(webhook_route(sim, ex.token), json={"content": "too late"}) as r:
            assert r.status == 404
            assert await r.json() == {"message": "Unknown Webhook", "code": 10015}
        callback = f"{sim.api_base}/interactions/{ex.id}/{ex.token}/callback"
        async with http.post(callback, json={"type": 5}) as r:
            assert r.status == 404
            assert (await r.json())["code"] == 10062
        await front.close()


async def test_acknowledging_through_the_callback_route(
    world: tuple[DiscordSimulator, Front], http: aiohttp.ClientSession
) -> None:
    sim, front = world
    guild, text, user = seed(sim)
    callbacks: list[tuple[int, Any]] = []

    async def via_callback(payload: dict[str, Any]) -> web.StreamResponse:
        url = f"{sim.api_base}/interactions/{payload['id']}/{payload['token']}/callback"
        message = {"type": 4, "data": {"content": "Skipped"}}
        async with http.post(url, params={"with_response": "1"}, json=message) as r:
            callbacks.append((r.status, await r.json()))
        async with http.post(url, json=message) as again:
            callbacks.append((again.status, await again.json()))
        return web.Response(status=202)

    front.answer = via_callback
    ex = await sim.send_slash_command(guild.id, text, user.id, "skip")

    assert (ex.failed, ex.status, ex.acknowledged_via) == (False, 202, "callback")
    (status, body), (again_status, again_body) = callbacks
    assert status == 200
    assert body["interaction"]["id"] == str(ex.id)
    assert body["resource"]["message"]["content"] == "Skipped"
    assert (again_status, again_body["code"]) == (400, 40060)


async def test_token_expires_after_15_minutes(http: aiohttp.ClientSession) -> None:
    clock = Clock()
    async with DiscordSimulator(clock=clock) as sim:
        front = await started(sim)
        guild, text, user = seed(sim)
        ex = await sim.send_slash_command(guild.id, text, user.id, "play")

        clock.now += 14 * 60
        async with http.patch(webhook_route(sim, ex.token), json={"content": "still valid"}) as r:
            assert r.status == 200
        clock.now += 2 * 60
        async with http.patch(webhook_route(sim, ex.token), json={"content": "expired"}) as r:
            assert r.status == 401
            assert await r.json() == {"message": "Invalid Webhook Token", "code": 50027}
        async with http.patch(webhook_route(sim, "never-issued"), json={"content": "x"}) as r:
            assert (r.status, (await r.json())["code"]) == (401, 50027)
        await front.close()


async def test_message_validation(world: tuple[DiscordSimulator, Front], http: aiohttp.ClientSession) -> None:
    sim, _ = world
    guild, text, user = seed(sim)
    ex = await sim.send_slash_command(guild.id, text, user.id, "lyrics")

    with pytest.raises(discord.HTTPException) as too_long:
        await async_context.get().edit_original_interaction_response(
            sim.application_id, ex.token, session=http, payload={"content": "x" * 2001}
        )
    assert (too_long.value.status, too_long.value.code) == (400, 50035)
    body = sim.requests.matching("PATCH", "@original")[-1]
    assert body.status == 400

    async with http.patch(webhook_route(sim, ex.token), json={"embeds": [{"title": "t" * 257}]}) as r:
        errors = (await r.json())["errors"]
        assert errors["embeds"]["0"]["title"]["_errors"][0]["code"] == "BASE_TYPE_MAX_LENGTH"
    async with http.post(webhook_route(sim, ex.token, ""), json={"content": ""}) as r:
        assert (r.status, (await r.json())["code"]) == (400, 50006)
    async with http.patch(webhook_route(sim, ex.token), json={"content": "x" * 2000}) as r:
        assert r.status == 200


@pytest.mark.parametrize(
    ("allowed_mentions", "pinged_user", "pinged_everyone"),
    [
        (None, True, False),  # interaction replies parse user mentions by default
        ({"parse": []}, False, False),
        ({"parse": ["users", "everyone"]}, True, True),
    ],
)
async def test_immediate_message_mentions_follow_allowed_mentions(
    world: tuple[DiscordSimulator, Front],
    allowed_mentions: dict[str, Any] | None,
    pinged_user: bool,
    pinged_everyone: bool,
) -> None:
    sim, front = world
    guild, text, user = seed(sim)

    async def reply(_: dict[str, Any]) -> web.StreamResponse:
        data: dict[str, Any] = {"content": f"<@{user.id}> @everyone queue is empty"}
        if allowed_mentions is not None:
            data["allowed_mentions"] = allowed_mentions
        return web.json_response({"type": 4, "data": data})

    front.answer = reply
    ex = await sim.send_slash_command(guild.id, text, user.id, "stop")
    message = sim.original_message(ex.token)
    assert message is not None
    assert [m["id"] for m in message["mentions"]] == ([str(user.id)] if pinged_user else [])
    assert message["mention_everyone"] is pinged_everyone
    assert message["type"] == 20
    assert message["interaction_metadata"]["name"] == "stop"


async def test_endpoint_validation_ping_and_bad_signature(world: tuple[DiscordSimulator, Front]) -> None:
    sim, front = world
    pong = await sim.send_ping()
    assert (pong.status, pong.body, pong.failed) == (200, {"type": 1}, False)
    forged = await sim.send_ping(tamper_signature=True)
    assert (forged.status, forged.failed) == (401, True)
    assert front.rejected == 1
    assert await sim.validate_endpoint()


async def test_component_update_edits_the_message_it_is_on(world: tuple[DiscordSimulator, Front]) -> None:
    sim, front = world
    guild, text, user = seed(sim)

    async def reply(payload: dict[str, Any]) -> web.StreamResponse:
        if payload["type"] == 2:
            button = {"type": 2, "style": 1, "label": "Pause", "custom_id": "pause"}
            return web.json_response(
                {
                    "type": 4,
                    "data": {"content": "Playing", "components": [{"type": 1, "components": [button]}]},
                }
            )
        assert payload["data"]["custom_id"] == "pause"
        return web.json_response({"type": 7, "data": {"content": "Paused"}})

    front.answer = reply
    played = await sim.send_slash_command(guild.id, text, user.id, "play")
    message = sim.original_message(played.token)
    assert message is not None
    clicked = await sim.send_component(guild.id, text, user.id, "pause", message=message)
    assert not clicked.failed
    updated = sim.original_message(clicked.token)
    assert updated is not None
    assert (updated["id"], updated["content"]) == (message["id"], "Paused")


@given(body=st.binary(max_size=512), timestamp=st.integers(min_value=0, max_value=2**40))
def test_signatures_verify_with_the_public_key_and_only_for_the_signed_bytes(
    body: bytes, timestamp: int
) -> None:
    signer = Signer(b"\x07" * 32)
    headers = signer.headers(body, str(timestamp))
    key = VerifyKey(bytes.fromhex(signer.public_key_hex))
    signed = headers["X-Signature-Timestamp"].encode() + body
    key.verify(signed, bytes.fromhex(headers["X-Signature-Ed25519"]))
    with pytest.raises(BadSignatureError):
        key.verify(signed + b"x", bytes.fromhex(headers["X-Signature-Ed25519"]))
