"""validate_options: options are checked, typed and explained before anything is queued."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from encore.commands import (
    CATALOGUE,
    MAX_QUEUE_POSITION,
    SUBCOMMAND,
    CommandSpec,
    OptionError,
    OptionSpec,
    OptionType,
    OptionValue,
    options_from_discord,
    parse_seek,
    validate_options,
)
from encore.i18n import SUPPORTED_LOCALES

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
