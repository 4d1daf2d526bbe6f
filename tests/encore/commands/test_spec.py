"""CommandSpec: what register-commands sends is what Discord accepts."""

from __future__ import annotations

import unicodedata
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from hypothesis import given
from hypothesis import strategies as st

from encore.commands import CATALOGUE, CommandSpec, OptionSpec, OptionType, SubcommandSpec
from encore.i18n import DISCORD_LOCALES
from encore.simulators.discord import DiscordSimulator
from encore.simulators.discord.commands import validate_commands

PLAY = CATALOGUE["play"]
VISIBLE = st.characters(exclude_categories=("Z", "C"))


def test_a_command_has_options_or_subcommands() -> None:
    with pytest.raises(ValueError, match="not both"):
        CommandSpec("x", "x", (OptionSpec("a", "a"),), subcommands=(SubcommandSpec("b", "b"),))
    with pytest.raises(ValueError, match="SubcommandSpec"):
        OptionSpec("a", "a", OptionType.SUB_COMMAND)


# -- what register-commands sends ----------------------------------------------------------------


def test_catalogue_matches_discords_registration_format() -> None:
    body = PLAY.to_discord()
    assert body["name"] == "play"
    assert body["name_localizations"]["es-ES"] == "reproducir"
    assert body["options"][0] == {
        "name": "query",
        "description": "A song name, or a link to a track or playlist",
        "description_localizations": {
            "es-419": "El nombre de una canción, o un enlace a una pista o lista",
            "es-ES": "El nombre de una canción, o un enlace a una pista o lista",
            "fr": "Le nom d'un morceau, ou un lien vers une piste ou une playlist",
            "pt-BR": "O nome de uma música, ou um link para uma faixa ou playlist",
        },
        "type": 3,
        "required": True,
        "min_length": 1,
        "max_length": 200,
        "autocomplete": True,
    }
    assert body["contexts"] == [0]  # guild only


def test_subcommands_and_choices_in_registration_format() -> None:
    remove = CATALOGUE["remove"].to_discord()
    assert [(o["name"], o["type"]) for o in remove["options"]] == [("position", 1), ("range", 1)]
    assert [o["name"] for o in remove["options"][1]["options"]] == ["from", "to"]
    loop = CATALOGUE["loop"].to_discord()["options"][0]
    assert loop["choices"][1]["value"] == "track"
    assert loop["choices"][1]["name_localizations"]["fr"] == "Le morceau en cours"
    channel = CATALOGUE["settings"].to_discord()["options"][3]["options"][0]
    assert (channel["type"], channel["channel_types"]) == (7, [0, 5])


def _name_ok(name: object) -> bool:
    """``^[-_\\p{L}\\p{N}\\p{sc=Deva}\\p{sc=Thai}]{1,32}$``, lowercase where a letter has a lowercase."""
    return (
        isinstance(name, str)
        and 1 <= len(name) <= 32
        and all(c in "-_" or unicodedata.category(c)[0] in "LN" for c in name)
        and name == name.lower()
    )


def _text_ok(text: object, low: int = 1, high: int = 100) -> bool:
    return isinstance(text, str) and low <= len(text) <= high


def _localizations_problems(where: str, body: dict[str, Any], key: str, check: Any) -> list[str]:
    found = body.get(key)
    if found is None:
        return []
    problems = [f"{where}: {key} has unknown locale {code}" for code in found if code not in DISCORD_LOCALES]
    problems += [f"{where}: {key}[{code}] = {text!r}" for code, text in found.items() if not check(text)]
    return problems


def _longest(body: dict[str, Any], field_name: str) -> int:
    """Discord counts the longest of a field's default and localized values."""
    values = [str(body.get(field_name, "")), *(body.get(f"{field_name}_localizations") or {}).values()]
    return max(len(v) for v in values)


def _option_problems(where: str, option: dict[str, Any]) -> tuple[list[str], int]:
    problems: list[str] = []
    where = f"{where} {option.get('name')}"
    kind = option.get("type")
    if not _name_ok(option.get("name")):
        problems.append(f"{where}: bad name")
    if not _text_ok(option.get("description")):
        problems.append(f"{where}: description must be 1-100 characters")
    problems += _localizations_problems(where, option, "name_localizations", _name_ok)
    problems += _localizations_problems(where, option, "description_localizations", _text_ok)
    size = _longest(option, "name") + _longest(option, "description")
    if kind == 1:
        if "required" in option or "choices" in option:
            problems.append(f"{where}: a subcommand has no required/choices")
        nested_problems, nested_size = _options_problems(where, option.get("options", []), nested=True)
        return problems + nested_problems, size + nested_size
    if kind not in range(3, 12):
        problems.append(f"{where}: type {kind} is not an option type")
    choices = option.get("choices", [])
    if len(choices) > 25:
        problems.append(f"{where}: more than 25 choices")
    if choices and option.get("autocomplete"):
        problems.append(f"{where}: autocomplete and choices exclude each other")
    for choice in choices:
        if not _text_ok(choice.get("name")):
            problems.append(f"{where}: choice name must be 1-100 characters")
        problems += _localizations_problems(where, choice, "name_localizations", _text_ok)
        value = choice.get("value")
        if kind == 3 and not _text_ok(value):
            problems.append(f"{where}: string choice value must be 1-100 characters")
        if kind in (4, 10) and not isinstance(value, int | float):
            problems.append(f"{where}: numeric choice value must be a number")
        size += _longest(choice, "name") + len(str(value))
    if ("min_length" in option or "max_length" in option) and kind != 3:
        problems.append(f"{where}: lengths are for string options")
    if not 0 <= option.get("min_length", 0) <= 6000 or not 1 <= option.get("max_length", 1) <= 6000:
        problems.append(f"{where}: length limits out of range")
    if ("min_value" in option or "max_value" in option) and kind not in (4, 10):
        problems.append(f"{where}: values are for numeric options")
    if option.get("min_value", -(2**53)) > option.get("max_value", 2**53):
        problems.append(f"{where}: min_value above max_value")
    if "channel_types" in option and kind != 7:
        problems.append(f"{where}: channel_types are for channel options")
    return problems, size


def _options_problems(where: str, options: list[dict[str, Any]], *, nested: bool) -> tuple[list[str], int]:
    problems: list[str] = []
    size = 0
    if len(options) > 25:
        problems.append(f"{where}: more than 25 options")
    names = [o.get("name") for o in options]
    if len(set(names)) != len(names):
        problems.append(f"{where}: option names must be unique")
    kinds = {o.get("type") in (1, 2) for o in options}
    if len(kinds) > 1:
        problems.append(f"{where}: subcommands cannot sit next to plain options")
    if nested and True in kinds:
        problems.append(f"{where}: a subcommand cannot contain subcommands")
    required = [bool(o.get("required")) for o in options]
    if required != sorted(required, reverse=True):
        problems.append(f"{where}: required options must come first")
    for option in options:
        option_problems, option_size = _option_problems(where, option)
        problems += option_problems
        size += option_size
    return problems, size


def discord_problems(command: dict[str, Any]) -> list[str]:
    """What Discord's documentation says a chat-input command may not be (empty: acceptable)."""
    where = f"/{command.get('name')}"
    problems: list[str] = []
    if command.get("type") != 1:
        problems.append(f"{where}: not a chat-input command")
    if not _name_ok(command.get("name")):
        problems.append(f"{where}: bad name")
    if not _text_ok(command.get("description")):
        problems.append(f"{where}: description must be 1-100 characters")
    problems += _localizations_problems(where, command, "name_localizations", _name_ok)
    problems += _localizations_problems(where, command, "description_localizations", _text_ok)
    option_problems, size = _options_problems(where, command.get("options", []), nested=False)
    size += _longest(command, "name") + _longest(command, "description")
    if size > 4000:
        problems.append(f"{where}: {size} characters in names, descriptions and values (at most 4000)")
    return problems + option_problems


@pytest.mark.parametrize("name", list(CATALOGUE))
def test_every_command_meets_discords_constraints(name: str) -> None:
    assert discord_problems(CATALOGUE[name].to_discord()) == []


def test_the_validator_catches_what_discord_refuses() -> None:
    good = PLAY.to_discord()
    assert discord_problems({**good, "name": "Play"}) == ["/Play: bad name"]
    assert discord_problems({**good, "description": "x" * 101}) == [
        "/play: description must be 1-100 characters"
    ]
    assert discord_problems({**good, "name_localizations": {"xx": "play"}}) == [
        "/play: name_localizations has unknown locale xx"
    ]
    optional_first = {**good, "options": list(reversed(good["options"]))}
    assert discord_problems(optional_first) == ["/play: required options must come first"]
    too_many = {**good, "options": [{**good["options"][1], "name": f"o{i}"} for i in range(26)]}
    assert "/play: more than 25 options" in discord_problems(too_many)


@given(
    st.lists(
        st.builds(
            OptionSpec,
            name=st.from_regex(r"[a-z][a-z0-9_-]{0,31}", fullmatch=True),
            description=st.text(VISIBLE, min_size=1, max_size=100),
            type=st.sampled_from([OptionType.STRING, OptionType.INTEGER, OptionType.BOOLEAN]),
        ),
        max_size=25,
        unique_by=lambda o: o.name,
    )
)
def test_to_discord_keeps_any_acceptable_spec_acceptable(options: list[OptionSpec]) -> None:
    spec = CommandSpec("custom", "A command", tuple(options))
    body = spec.to_discord()
    assert discord_problems(body) == []
    assert validate_commands([body]) == {}


def test_the_whole_catalogue_fits_one_bulk_overwrite() -> None:
    payload = [spec.to_discord() for spec in CATALOGUE.values()]
    assert len(payload) <= 100
    assert len({c["name"] for c in payload}) == len(payload)
    assert validate_commands(payload) == {}  # the simulator's copy of Discord's rules


@pytest.fixture
async def discord_sim() -> AsyncIterator[DiscordSimulator]:
    async with DiscordSimulator() as sim:
        yield sim


async def test_the_whole_catalogue_registers_with_discord(discord_sim: DiscordSimulator) -> None:
    payload = [spec.to_discord() for spec in CATALOGUE.values()]
    url = f"{discord_sim.api_base}/applications/{discord_sim.application_id}/commands"
    headers = {"Authorization": f"Bot {discord_sim.bot_token}"}
    async with aiohttp.ClientSession() as http:
        async with http.put(url, json=payload, headers=headers) as response:
            assert response.status == 200, await response.text()
        async with http.get(url, headers=headers) as listed:
            stored = await listed.json()
    assert [c["name"] for c in stored] == list(CATALOGUE)
    by_name = {c["name"]: c for c in stored}
    assert by_name["help"]["description_localizations"]["pt-BR"] == "Lista os comandos do Encore"
    assert by_name["remove"]["options"] == CATALOGUE["remove"].to_discord()["options"]
