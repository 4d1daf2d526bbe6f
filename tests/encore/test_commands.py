"""The command catalogue: options are checked before anything is queued, and what register-commands
sends is what Discord accepts."""

from __future__ import annotations

import unicodedata
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import pytest
from hypothesis import given
from hypothesis import strategies as st

from encore.commands import (
    CATALOGUE,
    HELP_LIMIT,
    MAX_QUEUE_POSITION,
    SUBCOMMAND,
    CommandSpec,
    OptionError,
    OptionSpec,
    OptionType,
    OptionValue,
    Policy,
    SubcommandSpec,
    Where,
    help_text,
    options_from_discord,
    parse_seek,
    text_key,
    validate_options,
)
from encore.i18n import DISCORD_LOCALES, SUPPORTED_LOCALES, command_text
from encore.simulators.discord import DiscordSimulator
from encore.simulators.discord.commands import validate_commands

PLAY = CATALOGUE["play"]
VOLUME = CommandSpec(
    "volume",
    "Set the volume",
    (OptionSpec("level", "0-150", OptionType.INTEGER, required=True, min_value=0, max_value=150),),
)
FLAGS = CommandSpec(
    "flags",
    "t",
    (OptionSpec("on", "b", OptionType.BOOLEAN), OptionSpec("speed", "x", OptionType.NUMBER, max_value=2)),
)


# -- validate_options: flat commands --------------------------------------------------------------


def test_play_query_is_trimmed() -> None:
    assert validate_options(PLAY, {"query": "  rick astley  "}) == {"query": "rick astley"}


def test_play_next_is_a_flag() -> None:
    assert validate_options(PLAY, {"query": "x", "next": True}) == {"query": "x", "next": True}


@pytest.mark.parametrize(
    ("spec", "options", "says"),
    [
        (PLAY, {}, "needs `query`"),
        (PLAY, {"query": "   "}, "can't be empty"),
        (PLAY, {"query": "x" * 201}, "too long (at most 200"),
        (PLAY, {"query": 5}, "must be text"),
        (PLAY, {"query": "x", "volume": 3}, "no option called `volume`"),
        (PLAY, {"query": "x", "next": "yes"}, "true or false"),
        (VOLUME, {"level": 151}, "at most 150"),
        (VOLUME, {"level": -1}, "at least 0"),
        (VOLUME, {"level": 1.5}, "whole number"),
        (VOLUME, {"level": True}, "must be a number"),
        (VOLUME, {"level": "loud"}, "must be a number"),
        (FLAGS, {"on": "yes"}, "true or false"),
        (FLAGS, {"speed": 2.5}, "at most 2"),
        (FLAGS, {"speed": float("-inf")}, "must be a number"),  # json.loads accepts -Infinity
        # choices: a value outside the list (an outdated client, or a hand-made request)
        (CATALOGUE["loop"], {"mode": "forever"}, "must be one of: `off`, `track`, `queue`"),
        # role and channel options carry snowflakes
        (CATALOGUE["settings"], {"dj-role": {"role": "@DJ"}}, "picked from the list"),
        (CATALOGUE["settings"], {"announce-channel": {"channel": 0}}, "picked from the list"),
        # /seek checks the position's format before queueing
        (CATALOGUE["seek"], {"position": "soon"}, "isn't a time"),
        (CATALOGUE["seek"], {"position": "100:00:00"}, "too far"),
        (CATALOGUE["volume"], {"level": 201}, "at most 200"),
        (CATALOGUE["skip"], {"to": 0}, "at least 1"),
    ],
)
def test_bad_options_get_a_message_for_the_user(
    spec: CommandSpec, options: dict[str, object], says: str
) -> None:
    with pytest.raises(ValueError, match=r"`|/") as caught:
        validate_options(spec, options)
    assert says in str(caught.value)


@given(st.integers(min_value=0, max_value=150))
def test_integer_in_range_is_accepted(level: int) -> None:
    assert validate_options(VOLUME, {"level": level}) == {"level": level}


def test_flags_typed() -> None:
    assert validate_options(FLAGS, {"on": False, "speed": 1}) == {"on": False, "speed": 1.0}


def test_choices_and_snowflakes_come_back_typed() -> None:
    assert validate_options(CATALOGUE["filter"], {"preset": "nightcore"}) == {"preset": "nightcore"}
    # Discord sends snowflakes as strings; the envelope keeps them so
    settings = CATALOGUE["settings"]
    role = validate_options(settings, {"dj-role": {"role": "1100000000000000001"}})
    assert role == {SUBCOMMAND: "dj-role", "role": "1100000000000000001"}
    channel = validate_options(settings, {"announce-channel": {"channel": 1100000000000000002}})
    assert channel == {SUBCOMMAND: "announce-channel", "channel": "1100000000000000002"}


# -- validate_options: subcommands ---------------------------------------------------------------


def test_subcommand_result_is_flat_and_names_the_subcommand() -> None:
    remove = CATALOGUE["remove"]
    assert validate_options(remove, {"range": {"from": 2, "to": 5}}) == {
        SUBCOMMAND: "range",
        "from": 2,
        "to": 5,
    }
    assert validate_options(remove, {"position": {"position": 3}}) == {SUBCOMMAND: "position", "position": 3}
    # a subcommand without options: Discord sends no nested list (the front may pass None)
    playlist = CATALOGUE["playlist"]
    assert validate_options(playlist, {"list": {}}) == {SUBCOMMAND: "list"}
    assert validate_options(playlist, {"list": None}) == {SUBCOMMAND: "list"}


@pytest.mark.parametrize(
    ("options", "says"),
    [
        ({}, "/remove needs one of: `position`, `range`"),
        ({"position": {"position": 1}, "range": {"from": 1, "to": 2}}, "needs one of"),
        ({"everything": {}}, "/remove has no subcommand called `everything`"),
        ({"range": {"from": 1}}, "/remove range needs `to`"),
        ({"range": {"from": 1, "to": 2, "step": 1}}, "/remove range has no option called `step`"),
        ({"range": {"from": 5, "to": 2}}, "`from` can't be after `to`"),
        ({"range": "1-5"}, "needs one of"),  # not a nested option list
        ({"position": {"position": MAX_QUEUE_POSITION + 1}}, f"at most {MAX_QUEUE_POSITION}"),
    ],
)
def test_bad_subcommands_get_a_message_for_the_user(options: dict[str, object], says: str) -> None:
    with pytest.raises(OptionError) as caught:
        validate_options(CATALOGUE["remove"], options)
    assert says in str(caught.value)


def test_messages_are_in_the_users_language() -> None:
    with pytest.raises(OptionError) as caught:
        validate_options(PLAY, {}, locale="es-419")
    assert str(caught.value) == "/play necesita `query`."
    assert caught.value.message("fr") == "/play a besoin de `query`."
    assert caught.value.message(None) == "/play needs `query`."
    with pytest.raises(OptionError, match="Eso no es un tiempo"):
        validate_options(CATALOGUE["seek"], {"position": "pronto"}, locale="es-ES")


@dataclass(frozen=True)
class WireOption:
    """Shaped like interactions.payload.CommandOption."""

    name: str
    type: int
    value: str | int | float | bool | None = None
    options: tuple[WireOption, ...] = field(default_factory=tuple)


def test_discords_nested_options_feed_validate_options() -> None:
    wire = (WireOption("range", 1, options=(WireOption("from", 4, 2), WireOption("to", 4, 5))),)
    assert options_from_discord(wire) == {"range": {"from": 2, "to": 5}}
    assert validate_options(CATALOGUE["remove"], options_from_discord(wire)) == {
        SUBCOMMAND: "range",
        "from": 2,
        "to": 5,
    }
    assert options_from_discord((WireOption("query", 3, "abba"),)) == {"query": "abba"}


VISIBLE = st.characters(exclude_categories=("Z", "C"))


def _valid_value(option: OptionSpec) -> st.SearchStrategy[Any]:
    if option.choices:
        return st.sampled_from([c.value for c in option.choices])
    if option.check is parse_seek:
        return st.sampled_from(["1:23", "83", "+10", "-10", "1:02:03"])
    match option.type:
        case OptionType.STRING:
            return st.text(VISIBLE, min_size=option.min_length or 0, max_size=option.max_length or 100)
        case OptionType.INTEGER:
            return st.integers(option.min_value, option.max_value)
        case OptionType.BOOLEAN:
            return st.booleans()
        case _:  # role, channel: snowflakes as strings
            return st.integers(1, 2**64 - 1).map(str)


def _valid_options(draw: st.DrawFn, options: Sequence[OptionSpec]) -> dict[str, Any]:
    chosen: dict[str, Any] = {}
    for option in options:
        if option.required or draw(st.booleans()):
            chosen[option.name] = draw(_valid_value(option))
    return chosen


@st.composite
def valid_calls(draw: st.DrawFn) -> tuple[CommandSpec, dict[str, object], dict[str, OptionValue]]:
    """A command from the catalogue with options a Discord client could send, and the result."""
    spec = draw(st.sampled_from(list(CATALOGUE.values())))
    if not spec.subcommands:
        options = _valid_options(draw, spec.options)
        return spec, options, options
    sub = draw(st.sampled_from(spec.subcommands))
    inner = _valid_options(draw, sub.options)
    if sub.check is not None:  # /remove range: from <= to
        inner["from"], inner["to"] = sorted((inner["from"], inner["to"]))
    return spec, {sub.name: inner}, {SUBCOMMAND: sub.name, **inner}


@given(valid_calls())
def test_every_command_accepts_what_discord_would_send(
    call: tuple[CommandSpec, dict[str, object], dict[str, OptionValue]],
) -> None:
    spec, options, expected = call
    assert validate_options(spec, options) == expected


json_leaf = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30)
json_values = st.recursive(json_leaf, lambda inner: st.dictionaries(st.text(max_size=10), inner, max_size=3))


@given(
    st.sampled_from(list(CATALOGUE.values())),
    st.dictionaries(st.sampled_from(["query", "to", "mode", "range", "view", "x"]), json_values, max_size=3),
    st.sampled_from([None, *SUPPORTED_LOCALES, "es-419", "ja"]),
)
def test_arbitrary_options_only_ever_get_an_option_error(
    spec: CommandSpec, options: dict[str, object], locale: str | None
) -> None:
    try:
        validate_options(spec, options, locale)
    except OptionError as exc:
        message = str(exc)
    else:
        return
    assert message.strip()


# -- the policy: who answers, who may ------------------------------------------------------------


def test_where_each_command_is_answered() -> None:
    front = {
        (spec.name, sub.name if sub else None)
        for spec in CATALOGUE.values()
        for sub in (spec.subcommands or (None,))
        if spec.policy({SUBCOMMAND: sub.name} if sub else {}).where is Where.FRONT
    }
    assert front == {
        ("queue", None),
        ("nowplaying", None),
        ("history", None),
        ("help", None),
        ("settings", "view"),
        ("premium", "status"),
        ("premium", "upgrade"),
        ("playlist", "list"),
    }


def test_policies_follow_the_subcommand() -> None:
    settings = CATALOGUE["settings"]
    assert settings.policy({SUBCOMMAND: "view"}) == Policy(Where.FRONT)
    assert settings.policy({SUBCOMMAND: "dj-role", "role": "1"}) == Policy(Where.FLEET, manage_guild=True)
    assert CATALOGUE["remove"].policy({SUBCOMMAND: "range"}).dj_only
    assert CATALOGUE["247"].policy() == Policy(Where.FLEET, dj_only=True, premium_feature="24/7")
    assert CATALOGUE["play"].policy({"query": "x"}) == Policy(Where.FLEET)
    assert CATALOGUE["play"].needs_audio
    assert not CATALOGUE["help"].needs_audio
    assert CATALOGUE["settings"].needs_audio  # some of its subcommands write through the fleet


def test_catalogue_has_the_whole_command_set() -> None:
    assert set(CATALOGUE) == {
        "play", "search", "pause", "resume", "skip", "previous", "seek", "replay", "stop", "leave",
        "queue", "nowplaying", "volume", "loop", "shuffle", "remove", "move", "clear", "history",
        "autoplay", "filter", "lyrics", "playlist", "247", "settings", "premium", "help",
    }  # fmt: skip
    assert {s.name for s in CATALOGUE["playlist"].subcommands} == {"save", "load", "list", "delete", "add"}
    assert {s.name for s in CATALOGUE["premium"].subcommands} == {"status", "trial", "upgrade"}
    language = CATALOGUE["settings"].subcommand("language")
    assert language is not None
    assert [c.value for c in language.options[0].choices] == list(SUPPORTED_LOCALES)


def test_no_option_is_called_subcommand() -> None:
    names = {o.name for spec in CATALOGUE.values() for o in spec.options} | {
        o.name for spec in CATALOGUE.values() for sub in spec.subcommands for o in sub.options
    }
    assert SUBCOMMAND not in names


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


# -- /help ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("locale", [*SUPPORTED_LOCALES, "es-419", "en-GB", "ja", None])
def test_help_lists_every_command_within_discords_message_limit(locale: str | None) -> None:
    text = help_text(locale)
    assert len(text) <= HELP_LIMIT
    assert not text.endswith("…")  # nothing had to be cut
    for spec in CATALOGUE.values():
        shown = command_text(text_key(spec.name, "name"), locale) or spec.name
        assert f"`/{shown}" in text


def test_help_shows_arguments() -> None:
    text = help_text("en-US")
    assert "`/play query [next]` — Play a song or add it to the queue" in text
    assert "`/remove position|range`" in text
    assert "`/reproducir query [next]`" in help_text("es-ES")


def test_help_is_cut_to_the_limit_when_a_catalogue_is_huge() -> None:
    huge = {f"c{i}": CommandSpec(f"c{i}", "d" * 100) for i in range(40)}
    text = help_text("en-US", huge)
    assert len(text) <= HELP_LIMIT
    assert text.endswith("\n…")
