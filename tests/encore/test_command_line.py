"""Typing commands the way Discord's client shows them: values keep their spaces and colons."""

from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from encore.command_line import TypedCommand, format_command_line, parse_command_line
from encore.commands import CATALOGUE, CommandSpec, OptionSpec
from encore.errors import CommandLineError

SEEK = CommandSpec("seek", "Seek", (OptionSpec("position", "where", required=True),))
MOVE = CommandSpec("move", "Move", (OptionSpec("from", "a"), OptionSpec("to", "b")))
PLAY_OPTIONS = tuple(f"{o.name}:" for o in CATALOGUE["play"].options)
CATALOGUE_FOR_TESTS = {**CATALOGUE, "seek": SEEK, "move": MOVE, "stop": CommandSpec("stop", "Stop")}


@pytest.mark.parametrize(
    ("line", "name", "options"),
    [
        ("/play query:never gonna give you up", "play", {"query": "never gonna give you up"}),
        ("/play query:daft punk: one more time", "play", {"query": "daft punk: one more time"}),
        ("/seek position:1:23", "seek", {"position": "1:23"}),
        ("/move from:3 to:1", "move", {"from": "3", "to": "1"}),
        ("/move to:1 from:3", "move", {"to": "1", "from": "3"}),
        ("  /PLAY query:https://youtu.be/dQw4w9WgXcQ  ", "play", {"query": "https://youtu.be/dQw4w9WgXcQ"}),
        ("/stop", "stop", {}),
        # "to:" inside a value only starts an option when it is a whole word of a known option
        ("/play query:road to:nowhere", "play", {"query": "road to:nowhere"}),
    ],
)
def test_parses_like_discords_client(line: str, name: str, options: dict[str, str]) -> None:
    assert parse_command_line(line, CATALOGUE_FOR_TESTS) == TypedCommand(name, options)


@pytest.mark.parametrize(
    ("line", "says"),
    [
        ("play query:x", "starts with '/'"),
        ("/dance", "unknown command /dance"),
        ("/pl@y", "not a command name"),
        ("/play never gonna", "expected an option (next:, query:)"),
        ("/play query:a query:b", "given twice"),
        ("/stop now:1", "takes no options"),
    ],
)
def test_mistyped_commands_explain_themselves(line: str, says: str) -> None:
    with pytest.raises(CommandLineError) as caught:
        parse_command_line(line, CATALOGUE_FOR_TESTS)
    assert says in str(caught.value)


words = st.text(alphabet=st.characters(categories=("L", "N", "P", "S")), min_size=1, max_size=12)


@given(st.lists(words, min_size=1, max_size=8))
def test_any_query_round_trips(parts: list[str]) -> None:
    value = " ".join(parts)
    # a word that names one of /play's options would start that option instead
    assume(not any(p.startswith(PLAY_OPTIONS) for p in parts))
    command = TypedCommand("play", {"query": value})
    assert parse_command_line(format_command_line(command), CATALOGUE_FOR_TESTS) == command


@given(st.text(max_size=60))
def test_never_crashes_on_arbitrary_input(line: str) -> None:
    try:
        parsed = parse_command_line(line, CATALOGUE_FOR_TESTS)
    except CommandLineError:
        return
    assert parsed.name in CATALOGUE_FOR_TESTS
