"""Application command registration as Discord validates it: the 50035 ``errors`` tree for each rule
(pure ``validate_command``), and the single-command routes (POST upsert, GET, DELETE) that
discord.py's HTTP client calls, with their 403/404/30032 answers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import discord
import pytest

from encore.simulators.discord import DiscordSimulator
from encore.simulators.discord.commands import validate_command, validate_commands
from encore.simulators.discord.testing import discord_py_pointed_at


def option(name: str = "query", **extra: Any) -> dict[str, Any]:
    return {"type": 3, "name": name, "description": "d", **extra}


def play(**extra: Any) -> Any:
    """A ``/play`` command body (``Any``: also handed to discord.py's TypedDict-typed HTTP calls)."""
    return {"name": "play", "description": "Play a song", **extra}


def error_code(errors: dict[str, Any], path: list[str]) -> str:
    node = errors
    for key in path:
        node = node[key]
    code: str = node["_errors"][0]["code"]
    return code


@pytest.mark.parametrize(
    ("command", "path", "code"),
    [
        ("play", [], "MODEL_TYPE_CONVERT"),
        ({"type": 4, "name": "play"}, ["type"], "BASE_TYPE_CHOICES"),
        ({"description": "no name"}, ["name"], "BASE_TYPE_REQUIRED"),
        ({"name": ""}, ["name"], "BASE_TYPE_BAD_LENGTH"),
        ({"name": "play"}, ["description"], "BASE_TYPE_REQUIRED"),
        (play(description=""), ["description"], "BASE_TYPE_BAD_LENGTH"),
        (play(description="d" * 101), ["description"], "BASE_TYPE_BAD_LENGTH"),
        (
            {"type": 3, "name": "Add to queue", "description": "x"},
            ["description"],
            "APPLICATION_COMMAND_CONTEXT_MENU_DESCRIPTION",
        ),
        (
            {"type": 2, "name": "Profile", "options": []},
            ["options"],
            "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID",
        ),
        (play(options={"type": 3}), ["options"], "BASE_TYPE_LIST"),
        (play(options=[option(f"o{i}") for i in range(26)]), ["options"], "BASE_TYPE_MAX_LENGTH"),
        (play(options=["query"]), ["options", "0"], "MODEL_TYPE_CONVERT"),
        (play(options=[option(type=12)]), ["options", "0", "type"], "BASE_TYPE_CHOICES"),
        (play(options=[option("Query")]), ["options", "0", "name"], "APPLICATION_COMMAND_INVALID_NAME"),
        (
            play(options=[option(), option()]),
            ["options", "1", "name"],
            "APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS",
        ),
        (play(options=[option(description="")]), ["options", "0", "description"], "BASE_TYPE_BAD_LENGTH"),
        (
            play(options=[option(choices=[{"name": str(i), "value": str(i)} for i in range(26)])]),
            ["options", "0", "choices"],
            "BASE_TYPE_MAX_LENGTH",
        ),
        (
            play(options=[{"type": 1, "name": "now", "description": "d", "options": [option("Bad")]}]),
            ["options", "0", "options", "0", "name"],
            "APPLICATION_COMMAND_INVALID_NAME",
        ),
    ],
)
def test_each_rule_points_at_the_offending_field(command: Any, path: list[str], code: str) -> None:
    assert error_code(validate_command(command), path) == code


def test_devanagari_and_thai_marks_are_allowed_but_other_combining_marks_are_not() -> None:
    assert validate_command({"name": "गाना", "description": "d"}) == {}  # "song", with a vowel sign
    assert validate_command({"name": "ดนตรี", "description": "d"}) == {}  # "music", with a vowel mark
    composed = validate_command({"name": "cafe\u0301", "description": "d"})  # e + combining acute
    assert error_code(composed, ["name"]) == "APPLICATION_COMMAND_INVALID_NAME"


def test_sub_commands_do_not_count_as_optional_options() -> None:
    # A required option after a sub-command group is fine; after an optional option it is not.
    grouped = play(
        options=[
            {"type": 1, "name": "now", "description": "d", "options": [option(required=True)]},
            option("extra", required=True),
        ]
    )
    assert validate_command(grouped) == {}
    assert validate_command(play(options=[option(), option("position", required=True)])) != {}


def test_a_bulk_overwrite_body_must_be_a_list_and_names_are_unique_per_type() -> None:
    assert error_code(validate_commands({"name": "play"}), []) == "BASE_TYPE_LIST"
    same_name_other_types = [play(), {"type": 2, "name": "play"}, {"type": 3, "name": "play"}]
    assert validate_commands(same_name_other_types) == {}
    assert (
        error_code(validate_commands([play(), play()]), ["1", "name"])
        == "APPLICATION_COMMANDS_DUPLICATE_NAME"
    )
    sixteen_user_commands = [{"type": 2, "name": f"User {i}"} for i in range(16)]
    assert error_code(validate_commands(sixteen_user_commands), []) == "BASE_TYPE_MAX_LENGTH"


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


async def test_upsert_get_and_delete_one_global_command(
    discord_sim: DiscordSimulator, client: discord.Client
) -> None:
    app_id = discord_sim.application_id
    created = await client.http.upsert_global_command(app_id, play())
    assert discord_sim.requests.matching("POST", "/commands")[-1].status == 201
    again = await client.http.upsert_global_command(app_id, play(description="Play a track"))
    assert discord_sim.requests.matching("POST", "/commands")[-1].status == 200
    assert again["id"] == created["id"]
    assert again["version"] != created["version"]

    fetched = await client.http.get_global_command(app_id, created["id"])
    assert fetched["description"] == "Play a track"
    await client.http.delete_global_command(app_id, created["id"])
    assert await client.http.get_global_commands(app_id) == []

    with pytest.raises(discord.NotFound) as unknown:
        await client.http.get_global_command(app_id, created["id"])
    assert unknown.value.code == 10063
    with pytest.raises(discord.NotFound) as gone:
        await client.http.delete_global_command(app_id, created["id"])
    assert gone.value.code == 10063


async def test_upsert_is_validated_and_limited_like_discord(
    discord_sim: DiscordSimulator, client: discord.Client
) -> None:
    guild = discord_sim.add_guild()
    app_id = discord_sim.application_id
    with pytest.raises(discord.HTTPException) as invalid:
        await client.http.upsert_guild_command(app_id, guild.id, {"name": "Play", "description": "x"})
    assert (invalid.value.status, invalid.value.code) == (400, 50035)

    for i in range(15):
        await client.http.upsert_guild_command(app_id, guild.id, {"type": 2, "name": f"User {i}"})
    with pytest.raises(discord.HTTPException) as full:
        await client.http.upsert_guild_command(app_id, guild.id, {"type": 2, "name": "One more"})
    assert (full.value.status, full.value.code) == (400, 30032)
    # Replacing an existing one is still allowed at the limit, and other types have their own limit.
    await client.http.upsert_guild_command(app_id, guild.id, {"type": 2, "name": "User 0"})
    await client.http.upsert_guild_command(app_id, guild.id, play())
    listed: list[Any] = await client.http.get_guild_commands(app_id, guild.id)
    assert len(listed) == 16
    assert all(c["guild_id"] == str(guild.id) for c in listed)
    one = await client.http.get_guild_command(app_id, guild.id, listed[0]["id"])
    assert one == listed[0]
    await client.http.delete_guild_command(app_id, guild.id, listed[0]["id"])
    assert len(await client.http.get_guild_commands(app_id, guild.id)) == 15


async def test_commands_of_another_application_or_guild_are_missing_access(
    discord_sim: DiscordSimulator, client: discord.Client
) -> None:
    with pytest.raises(discord.Forbidden) as other_app:
        await client.http.upsert_global_command(discord_sim.application_id + 1, play())
    assert other_app.value.code == 50001
    with pytest.raises(discord.Forbidden) as other_guild:
        await client.http.get_guild_commands(discord_sim.application_id, 4242)
    assert other_guild.value.code == 50001
    assert discord_sim.commands.in_scope(None) == []
