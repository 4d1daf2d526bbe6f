"""Messages on interaction webhooks as Discord validates and stores them: the 50035 ``errors`` tree
for each limit (pure ``validate_message_body``), allowed_mentions rules, multipart follow-ups with
files (what discord.py sends for ``file=``), edits, deletes and unknown messages/webhooks, and the
checks on responses sent through the callback route."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import discord
import pytest
from aiohttp import web

from encore.simulators.discord import DiscordSimulator
from encore.simulators.discord.errors import RestError
from encore.simulators.discord.messages import validate_message_body

SUPPRESS_EMBEDS = 1 << 2
IS_COMPONENTS_V2 = 1 << 15


def rejection(body: Any, *, creating: bool = True) -> RestError:
    with pytest.raises(RestError) as raised:
        validate_message_body(body, creating=creating)
    return raised.value


def leaf(errors: dict[str, Any] | None, path: list[str]) -> str:
    node: Any = errors
    for key in path:
        node = node[key]
    code: str = node["_errors"][0]["code"]
    return code


def button(i: int) -> dict[str, Any]:
    return {"type": 2, "style": 1, "label": str(i), "custom_id": f"b{i}"}


@pytest.mark.parametrize(
    ("body", "path", "code"),
    [
        (["hello"], [], "MODEL_TYPE_CONVERT"),
        ({"content": 42}, ["content"], "BASE_TYPE_STRING"),
        ({"content": "x" * 2001}, ["content"], "BASE_TYPE_MAX_LENGTH"),
        ({"embeds": [{"title": "t"}] * 11}, ["embeds"], "BASE_TYPE_MAX_LENGTH"),
        ({"embeds": ["not an embed"]}, ["embeds", "0"], "MODEL_TYPE_CONVERT"),
        ({"embeds": [{"description": "d" * 4097}]}, ["embeds", "0", "description"], "BASE_TYPE_MAX_LENGTH"),
        (
            {"embeds": [{"fields": [{"name": "n", "value": "v"}] * 26}]},
            ["embeds", "0", "fields"],
            "BASE_TYPE_MAX_LENGTH",
        ),
        (
            {"embeds": [{"fields": [{"name": "n" * 257, "value": "v"}]}]},
            ["embeds", "0", "fields", "0", "name"],
            "BASE_TYPE_MAX_LENGTH",
        ),
        (
            {"embeds": [{"fields": [{"name": "n", "value": "v" * 1025}]}]},
            ["embeds", "0", "fields", "0", "value"],
            "BASE_TYPE_MAX_LENGTH",
        ),
        (
            {"embeds": [{"footer": {"text": "f" * 2049}}]},
            ["embeds", "0", "footer", "text"],
            "BASE_TYPE_MAX_LENGTH",
        ),
        (
            {"embeds": [{"author": {"name": "a" * 257}}]},
            ["embeds", "0", "author", "name"],
            "BASE_TYPE_MAX_LENGTH",
        ),
        # Each embed within its own limits, but 8,000 characters together: over the 6,000 total.
        ({"embeds": [{"description": "d" * 4000}] * 2}, ["embeds"], "MAX_EMBED_SIZE_EXCEEDED"),
        (
            {"components": [{"type": 1, "components": [button(0)]}] * 6},
            ["components"],
            "BASE_TYPE_MAX_LENGTH",
        ),
        (
            {"components": [{"type": 1, "components": [button(i) for i in range(6)]}]},
            ["components", "0", "components"],
            "BASE_TYPE_MAX_LENGTH",
        ),
        ({"content": "x", "allowed_mentions": ["users"]}, ["allowed_mentions"], "MODEL_TYPE_CONVERT"),
        (
            {"content": "x", "allowed_mentions": {"parse": ["users", "here"]}},
            ["allowed_mentions", "parse", "1"],
            "BASE_TYPE_CHOICES",
        ),
        (
            {"content": "x", "allowed_mentions": {"parse": ["users"], "users": ["1"]}},
            ["allowed_mentions"],
            "MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE",
        ),
        (
            {"content": "x", "allowed_mentions": {"roles": [str(i) for i in range(101)]}},
            ["allowed_mentions", "roles"],
            "BASE_TYPE_MAX_LENGTH",
        ),
    ],
)
def test_each_limit_is_a_50035_pointing_at_the_field(body: Any, path: list[str], code: str) -> None:
    error = rejection(body)
    assert (error.status, error.code, error.message) == (400, 50035, "Invalid Form Body")
    assert leaf(error.errors, path) == code


def test_what_discord_accepts() -> None:
    at_limits = {
        "content": "x" * 2000,
        "embeds": [{"title": "t" * 256, "fields": [{"name": "n" * 256, "value": "v" * 1024}] * 2}],
        "components": [{"type": 1, "components": [button(i) for i in range(5)]}] * 5,
        "allowed_mentions": {"parse": ["everyone"], "users": ["1", "2"], "roles": ["3"]},
    }
    validate_message_body(at_limits, creating=True)
    # Components V2 messages are not bound by the action-row limits.
    validate_message_body({"flags": IS_COMPONENTS_V2, "components": [{"type": 10}] * 8}, creating=True)
    # An edit may clear everything; a new message may not be empty.
    validate_message_body({"content": ""}, creating=False)
    assert rejection({"content": "", "embeds": []}).code == 50006
    validate_message_body({"poll": {"question": {"text": "Next song?"}}}, creating=True)


class Deferring:
    """An interactions front that defers every command, or runs ``on_interaction`` to answer
    through the callback route instead."""

    def __init__(self) -> None:
        self.on_interaction: Callable[[dict[str, Any]], Awaitable[None]] | None = None
        self.url = ""
        self._runner: web.AppRunner | None = None

    async def handle(self, request: web.Request) -> web.StreamResponse:
        payload: dict[str, Any] = await request.json()
        if self.on_interaction is None:
            return web.json_response({"type": 5})
        await self.on_interaction(payload)
        return web.Response(status=202)

    async def __aenter__(self) -> Deferring:
        app = web.Application()
        app.router.add_post("/", self.handle)
        self._runner = web.AppRunner(app, shutdown_timeout=0.5)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}/"
        return self

    async def __aexit__(self, *_: object) -> None:
        if self._runner is not None:
            await self._runner.cleanup()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
async def world() -> AsyncIterator[tuple[DiscordSimulator, Deferring]]:
    from encore.simulators.discord.testing import discord_py_pointed_at

    async with DiscordSimulator() as sim, Deferring() as front:
        sim.interactions_url = front.url
        with discord_py_pointed_at(sim):
            yield sim, front


async def slash(sim: DiscordSimulator, name: str = "play") -> str:
    guild = sim.add_guild()
    text = sim.add_text_channel(guild.id)
    user = sim.add_member(guild.id)
    exchange = await sim.send_slash_command(guild.id, text, user.id, name)
    assert not exchange.failed
    return exchange.token


async def test_a_follow_up_with_a_file_is_multipart_and_lists_the_attachment(
    world: tuple[DiscordSimulator, Deferring], http: aiohttp.ClientSession
) -> None:
    sim, _ = world
    token = await slash(sim, "lyrics")
    webhook = discord.Webhook.partial(sim.application_id, token, session=http)
    await webhook.send("first answer", wait=True)  # replaces the "thinking..." original
    sent = await webhook.send(
        "Lyrics attached", file=discord.File(io.BytesIO(b"la la la"), filename="lyrics.txt"), wait=True
    )
    assert sim.requests.matching("POST", token)[-1].headers["Content-Type"].startswith("multipart/form-data")
    assert [(a.filename, a.size) for a in sent.attachments] == [("lyrics.txt", 8)]
    [followup] = sim.followups(token)
    assert followup["content"] == "Lyrics attached"

    # A file the payload did not declare is still listed, as Discord does.
    form = aiohttp.FormData()
    form.add_field("payload_json", '{"content": "Cover art"}')
    form.add_field("files[0]", b"\x89PNG", filename="cover.png", content_type="image/png")
    async with http.post(f"{sim.api_base}/webhooks/{sim.application_id}/{token}?wait=true", data=form) as r:
        [attachment] = (await r.json())["attachments"]
    assert (attachment["filename"], attachment["size"], attachment["content_type"]) == (
        "cover.png",
        4,
        "image/png",
    )

    # multipart with a payload_json that is not JSON: Discord's invalid JSON error.
    form = aiohttp.FormData()
    form.add_field("payload_json", "{not json")
    form.add_field("files[0]", b"x", filename="x.txt")
    async with http.post(f"{sim.api_base}/webhooks/{sim.application_id}/{token}", data=form) as r:
        assert (r.status, (await r.json())["code"]) == (400, 50109)


async def test_follow_ups_are_edited_by_id_and_deleted(
    world: tuple[DiscordSimulator, Deferring], http: aiohttp.ClientSession
) -> None:
    sim, _ = world
    token = await slash(sim)
    webhook = discord.Webhook.partial(sim.application_id, token, session=http)
    await webhook.send("Now playing", wait=True)
    queued = await webhook.send("Queued", embed=discord.Embed(title="Song"), wait=True)

    hook = f"{sim.api_base}/webhooks/{sim.application_id}/{token}/messages/{queued.id}"
    async with http.patch(hook, json={"content": None, "embeds": None, "flags": SUPPRESS_EMBEDS}) as r:
        edited = await r.json()
    assert (edited["content"], edited["embeds"], edited["flags"]) == ("", [], SUPPRESS_EMBEDS)
    assert edited["edited_timestamp"] is not None
    async with http.get(hook) as r:
        assert (await r.json())["id"] == str(queued.id)

    await webhook.delete_message(queued.id)
    assert sim.followups(token) == []
    with pytest.raises(discord.NotFound) as gone:
        await webhook.fetch_message(queued.id)
    assert gone.value.code == 10008
    async with http.get(hook.replace(str(queued.id), "not-an-id")) as r:
        assert (r.status, (await r.json())["code"]) == (404, 10008)

    original = f"{sim.api_base}/webhooks/{sim.application_id}/{token}/messages/@original"
    async with http.delete(original) as r:
        assert r.status == 204
    async with http.get(original) as r:
        assert (r.status, (await r.json())["code"]) == (404, 10008)


async def test_another_applications_webhook_is_unknown(
    world: tuple[DiscordSimulator, Deferring], http: aiohttp.ClientSession
) -> None:
    sim, _ = world
    token = await slash(sim)
    wrong = discord.Webhook.partial(sim.application_id + 1, token, session=http)
    with pytest.raises(discord.NotFound) as unknown:
        await wrong.send("hello", wait=True)
    assert unknown.value.code == 10015
    assert sim.original_message(token) is not None
    assert sim.followups(token) == []


async def test_a_follow_up_with_conflicting_allowed_mentions_is_refused(
    world: tuple[DiscordSimulator, Deferring], http: aiohttp.ClientSession
) -> None:
    sim, _ = world
    token = await slash(sim)
    body = {"content": "<@1> next!", "allowed_mentions": {"parse": ["users"], "users": ["1"]}}
    async with http.post(f"{sim.api_base}/webhooks/{sim.application_id}/{token}", json=body) as r:
        answer = await r.json()
    assert (r.status, answer["code"]) == (400, 50035)
    [error] = answer["errors"]["allowed_mentions"]["_errors"]
    assert error["code"] == "MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE"
    original = sim.original_message(token)
    assert original is not None
    assert original["content"] == ""  # still "thinking..."


@pytest.mark.parametrize(
    ("response", "why"),
    [
        ([5], "integer 'type'"),
        ({"type": 4, "data": "hello"}, "'data' must be an object"),
        ({"type": 5, "data": {"flags": SUPPRESS_EMBEDS}}, "only the EPHEMERAL flag"),
        ({"type": 4, "data": {"content": "x" * 2001}}, "invalid message"),
        ({"type": 9, "data": {"custom_id": "m", "title": "t" * 46, "components": [{}]}}, "a modal needs"),
        ({"type": 9, "data": {"title": "Rename", "components": [{}]}}, "a modal needs"),
    ],
)
async def test_invalid_callback_responses_are_50035_and_leave_the_interaction_open(
    world: tuple[DiscordSimulator, Deferring], http: aiohttp.ClientSession, response: Any, why: str
) -> None:
    sim, front = world
    answers: list[tuple[int, Any]] = []

    async def answer(payload: dict[str, Any]) -> None:
        url = f"{sim.api_base}/interactions/{payload['id']}/{payload['token']}/callback"
        for body in (response, {"type": 5}):
            async with http.post(url, json=body) as r:
                answers.append((r.status, await r.json() if r.status != 204 else None))
        wrong_id = url.replace(payload["id"], "1")
        async with http.post(wrong_id, json={"type": 5}) as r:
            answers.append((r.status, await r.json()))

    front.on_interaction = answer
    await slash(sim)
    (status, error), valid, unknown = answers
    assert (status, error["code"]) == (400, 50035)
    [detail] = error["errors"]["type"]["_errors"]
    assert detail["code"] == "INTERACTION_RESPONSE_INVALID"
    assert why in detail["message"]
    assert valid == (204, None)
    assert (unknown[0], unknown[1]["code"]) == (404, 10062)


async def test_autocomplete_offers_at_most_25_choices(
    world: tuple[DiscordSimulator, Deferring], http: aiohttp.ClientSession
) -> None:
    sim, front = world
    statuses: list[int] = []

    async def answer(payload: dict[str, Any]) -> None:
        url = f"{sim.api_base}/interactions/{payload['id']}/{payload['token']}/callback"
        for count in (26, 25):
            choices = [{"name": f"song {i}", "value": str(i)} for i in range(count)]
            async with http.post(url, json={"type": 8, "data": {"choices": choices}}) as r:
                statuses.append(r.status)

    front.on_interaction = answer
    guild = sim.add_guild()
    text = sim.add_text_channel(guild.id)
    user = sim.add_member(guild.id)
    option = {"type": 3, "name": "query", "value": "lo", "focused": True}
    exchange = await sim.send_autocomplete(guild.id, text, user.id, "play", [option])
    assert statuses == [400, 204]
    assert not exchange.failed
