"""What the sandbox sends for a typed line: the option payload Discord's client would build."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from encore.command_line import parse_command_line
from encore.commands import CATALOGUE, SUBCOMMAND, OptionValue, options_from_discord, validate_options
from encore.errors import CommandLineError
from encore_cli.sandbox import discord_options


def sent(line: str) -> list[dict[str, Any]]:
    return discord_options(parse_command_line(line, CATALOGUE))


@pytest.mark.parametrize(
    ("line", "options"),
    [
        # plain options, converted to their types
        (
            "/play query:abba next:yes",
            [{"name": "query", "type": 3, "value": "abba"}, {"name": "next", "type": 5, "value": True}],
        ),
        # a subcommand nests its options, as Discord's data.options does
        (
            "/remove range from:2 to:5",
            [
                {
                    "name": "range",
                    "type": 1,
                    "options": [
                        {"name": "from", "type": 4, "value": 2},
                        {"name": "to", "type": 4, "value": 5},
                    ],
                }
            ],
        ),
        ("/settings view", [{"name": "view", "type": 1, "options": []}]),
        # roles, channels and users go as snowflake strings, typed as an id or a mention
        (
            "/settings dj-role role:<@&1100000000000000001>",
            [
                {
                    "name": "dj-role",
                    "type": 1,
                    "options": [{"name": "role", "type": 8, "value": "1100000000000000001"}],
                }
            ],
        ),
        (
            "/settings announce-channel channel:1100000000000000002",
            [
                {
                    "name": "announce-channel",
                    "type": 1,
                    "options": [{"name": "channel", "type": 7, "value": "1100000000000000002"}],
                }
            ],
        ),
    ],
)
def test_options_are_sent_the_way_discord_sends_them(line: str, options: list[dict[str, Any]]) -> None:
    assert sent(line) == options


@dataclass(frozen=True)
class WireOption:
    """An option as the front reads it (shaped like interactions.payload.CommandOption)."""

    name: str
    type: int
    value: str | int | float | bool | None = None
    options: tuple[WireOption, ...] = field(default_factory=tuple)


def wire(option: dict[str, Any]) -> WireOption:
    nested = tuple(wire(o) for o in option.get("options", []))
    return WireOption(option["name"], option["type"], option.get("value"), nested)


@pytest.mark.parametrize(
    ("line", "validated"),
    [
        ("/remove range from:2 to:5", {SUBCOMMAND: "range", "from": 2, "to": 5}),
        ("/playlist save name:road trip", {SUBCOMMAND: "save", "name": "road trip"}),
        ("/premium status", {SUBCOMMAND: "status"}),
        ("/seek position:1:23", {"position": "1:23"}),
    ],
)
def test_what_is_sent_validates_in_the_front(line: str, validated: dict[str, OptionValue]) -> None:
    typed = parse_command_line(line, CATALOGUE)
    received = options_from_discord(wire(o) for o in discord_options(typed))
    assert validate_options(CATALOGUE[typed.name], received) == validated


@pytest.mark.parametrize(
    ("line", "says"),
    [
        ("/settings dj-role role:@DJ", "'@DJ' is not a role id"),
        ("/settings dj-role role:<#1>", "'<#1>' is not a role id"),  # a channel mention
        ("/settings announce-channel channel:music", "'music' is not a channel id"),
        ("/remove position position:first", "'first' is not a number"),
    ],
)
def test_values_discord_could_not_send_are_refused(line: str, says: str) -> None:
    with pytest.raises(CommandLineError, match=says):
        sent(line)
