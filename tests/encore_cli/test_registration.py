"""`encore register-commands` against the Discord simulator: PUT only when something changed."""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from encore.commands import CATALOGUE
from encore.settings import Settings, load_settings
from encore.simulators.discord import DiscordSimulator
from encore_cli.registration import (
    CHOICE_FIELDS,
    COMMAND_FIELDS,
    OPTION_FIELDS,
    RegistrationError,
    command_changes,
    register_commands,
)


@pytest.fixture
async def discord_sim() -> AsyncIterator[DiscordSimulator]:
    async with DiscordSimulator() as sim:
        yield sim


def settings_for(sim: DiscordSimulator) -> Settings:
    return load_settings(
        discord_application_id=sim.application_id,
        discord_bot_token=sim.bot_token,
        discord_api_base=sim.api_base,
        discord_gateway_url=sim.gateway_url,
    )


@pytest.mark.parametrize("in_one_guild", [False, True])  # global, or one guild while testing
async def test_register_is_idempotent(discord_sim: DiscordSimulator, in_one_guild: bool) -> None:
    guild = discord_sim.add_guild(name="Test server").id if in_one_guild else None
    settings = settings_for(discord_sim)
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
    gets = discord_sim.requests.matching("GET", "/commands")
    assert len(gets) == 2
    assert all(g.query == {"with_localizations": "true"} for g in gets)  # so they come back to compare


async def test_one_changed_description_re_registers_that_command(discord_sim: DiscordSimulator) -> None:
    settings = settings_for(discord_sim)
    await register_commands(settings)
    changed = {**CATALOGUE, "skip": dataclasses.replace(CATALOGUE["skip"], description="Skip this song")}

    assert await register_commands(settings, catalogue=changed) == [
        "~ /skip (changed)",
        f"registered {len(CATALOGUE)} commands globally",
    ]
    stored = {c["name"]: c for c in discord_sim.commands.in_scope(None)}
    assert stored["skip"]["description"] == "Skip this song"
    assert await register_commands(settings, catalogue=changed) == ["commands are up to date; nothing sent"]
    assert len(discord_sim.requests.matching("PUT", "/commands")) == 2


def test_changes_are_listed_by_kind() -> None:
    play = CATALOGUE["play"].to_discord()
    changed = {**play, "description": "Different"}
    assert command_changes([changed, {"name": "old"}], [play]) == ["- /old (removed)", "~ /play (changed)"]
    assert command_changes([play], [play]) == []


def as_discord_lists_it(sent: dict[str, Any]) -> dict[str, Any]:
    """A command the way Discord lists it after a PUT (with_localizations=true): ids, a version
    and the defaults it filled in added, false flags and empty lists left out, no localizations
    as null. Shaped after Discord's documentation, not recorded."""

    def option(o: dict[str, Any]) -> dict[str, Any]:
        listed = {k: copy.deepcopy(v) for k, v in o.items() if v is not False and v != []}
        listed.setdefault("name_localizations", None)
        listed.setdefault("description_localizations", None)
        if "options" in listed:
            listed["options"] = [option(nested) for nested in listed["options"]]
        return listed

    listed = option(sent)
    listed.update(
        id="1100000000000000010",
        application_id="1100000000000000001",
        version="1100000000000000011",
        guild_id="1100000000000000002",
        default_member_permissions=None,
        dm_permission=True,
        nsfw=False,
        integration_types=[0],
    )
    return listed


def test_what_discord_adds_or_leaves_out_is_no_change() -> None:
    wanted = [spec.to_discord() for spec in CATALOGUE.values()]
    assert command_changes([as_discord_lists_it(c) for c in wanted], wanted) == []


def _edited(name: str, edit: Any) -> list[str]:
    wanted = [spec.to_discord() for spec in CATALOGUE.values()]
    current = [as_discord_lists_it(c) for c in wanted]
    edit(next(c for c in current if c["name"] == name))
    return command_changes(current, wanted)


@pytest.mark.parametrize(
    ("name", "edit"),
    [
        # a translation changed (or was added, or dropped) since the last registration
        pytest.param(
            "help",
            lambda c: c["description_localizations"].update({"fr": "Autre chose"}),
            id="command-description-translation",
        ),
        pytest.param(
            "play", lambda c: c["name_localizations"].pop("es-ES"), id="command-name-translation-dropped"
        ),
        pytest.param(
            "play",
            lambda c: c["options"][0]["description_localizations"].update({"pt-BR": "x"}),
            id="option-description-translation",
        ),
        # inside a subcommand: an option's bounds, a choice's translated name
        pytest.param(
            "remove",
            lambda c: c["options"][1]["options"][0].update({"max_value": 50}),
            id="subcommand-option-bound",
        ),
        pytest.param(
            "loop",
            lambda c: c["options"][0]["choices"][1]["name_localizations"].update({"fr": "x"}),
            id="choice-name-translation",
        ),
        pytest.param(
            "settings",
            lambda c: c["options"][1]["options"][0].update({"required": False}),
            id="subcommand-option-required",
        ),
        # where it may run
        pytest.param("play", lambda c: c.update({"contexts": [0, 1, 2]}), id="contexts"),
        pytest.param("play", lambda c: c["options"].pop(), id="option-removed"),
    ],
)
def test_what_matters_is_a_change(name: str, edit: Any) -> None:
    assert _edited(name, edit) == [f"~ /{name} (changed)"]


def _keys(item: Any, kind: str = "command") -> Iterator[tuple[str, str]]:
    if isinstance(item, list):
        for element in item:
            yield from _keys(element, kind)
        return
    for key, value in item.items():
        yield kind, key
        if key == "options":
            yield from _keys(value, "option")
        elif key == "choices":
            yield from _keys(value, "choice")


def test_every_field_the_catalogue_sends_is_compared() -> None:
    """A field added to to_discord() must be added to the comparison, or changing it would never
    reach Discord."""
    compared = {"command": COMMAND_FIELDS, "option": OPTION_FIELDS, "choice": CHOICE_FIELDS}
    sent = set(_keys([spec.to_discord() for spec in CATALOGUE.values()]))
    assert {(kind, key) for kind, key in sent if key not in compared[kind]} == set()


async def test_guild_the_bot_is_not_in_is_refused(discord_sim: DiscordSimulator) -> None:
    with pytest.raises(RegistrationError, match=r"Missing Access \(is the bot in that guild\?\)"):
        await register_commands(settings_for(discord_sim), 1100000000000000000)
