"""Typing commands the way Discord's client shows them: values keep their spaces and colons, and a
subcommand is the second word."""

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
    ("line", "command"),
    [
        ("/remove range from:2 to:5", TypedCommand("remove", {"from": "2", "to": "5"}, "range")),
        ("/playlist save name:road trip", TypedCommand("playlist", {"name": "road trip"}, "save")),
        ("/settings view", TypedCommand("settings", {}, "view")),
        ("/premium status", TypedCommand("premium", {}, "status")),
        (
            "/settings dj-role role:1100000000000000001",
            TypedCommand("settings", {"role": "1100000000000000001"}, "dj-role"),
        ),
        # the subcommand's own options split the values, colons and all
        (
            "/playlist add name:road trip query:daft punk: one more time",
            TypedCommand("playlist", {"name": "road trip", "query": "daft punk: one more time"}, "add"),
        ),
        ("  /REMOVE Range   from:2 to:5 ", TypedCommand("remove", {"from": "2", "to": "5"}, "range")),
    ],
)
def test_subcommand_is_the_second_word(line: str, command: TypedCommand) -> None:
    assert parse_command_line(line, CATALOGUE_FOR_TESTS) == command


@pytest.mark.parametrize(
    ("line", "says"),
    [
        ("play query:x", "starts with '/'"),
        ("/dance", "unknown command /dance"),
        ("/pl@y", "not a command name"),
        ("/play never gonna", "expected an option (next:, query:)"),
        ("/play query:a query:b", "given twice"),
        ("/stop now:1", "takes no options"),
        ("/remove", "/remove needs a subcommand: position, range"),
        ("/remove from:2 to:5", "/remove needs a subcommand: position, range"),  # forgot the subcommand
        ("/remove everything", "/remove has no subcommand 'everything'; it needs one of: position, range"),
        ("/playlist", "/playlist needs a subcommand: save, load, list, delete, add"),
        ("/settings view now:1", "/settings view takes no options"),
        ("/remove range 2 5", "expected an option (from:, to:) after /remove range"),
        ("/remove range position:1", "expected an option (from:, to:) after /remove range"),  # another's
        ("/playlist save name:a name:b", "option name: given twice"),
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


SUBCOMMAND_SPECS = [spec for spec in CATALOGUE.values() if spec.subcommands]


@st.composite
def subcommand_calls(draw: st.DrawFn) -> TypedCommand:
    """A catalogue command with subcommands, one of them, and some of its options in any order."""
    spec = draw(st.sampled_from(SUBCOMMAND_SPECS))
    sub = draw(st.sampled_from(spec.subcommands))
    names = draw(st.permutations([o.name for o in sub.options]))
    chosen = names[: draw(st.integers(0, len(names)))]
    # a word that names one of the subcommand's options would start that option instead
    starts = tuple(f"{name}:" for name in names)
    value = st.lists(words.filter(lambda w: not w.startswith(starts)), min_size=1, max_size=5).map(" ".join)
    return TypedCommand(spec.name, {name: draw(value) for name in chosen}, sub.name)


@given(subcommand_calls())
def test_any_subcommand_line_round_trips(command: TypedCommand) -> None:
    line = format_command_line(command)
    assert line.startswith(f"/{command.name} {command.subcommand}")
    assert parse_command_line(line, CATALOGUE) == command


@given(st.sampled_from(SUBCOMMAND_SPECS), st.text(max_size=40))
def test_subcommand_lines_never_crash(spec: CommandSpec, rest: str) -> None:
    try:
        parsed = parse_command_line(f"/{spec.name} {rest}", CATALOGUE)
    except CommandLineError:
        return
    sub = spec.subcommand(parsed.subcommand or "")
    assert sub is not None
    assert set(parsed.options) <= {o.name for o in sub.options}
