"""Parse a command typed the way Discord's client shows it: ``/name [subcommand] option:value ...``.

A value runs until the next ``known_option:`` word, so values may contain spaces and colons
(``/seek position:1:23``, ``/play query:daft punk: one more time``). Only the command's own option
names start a new option; anything else belongs to the current value.

A command with subcommands takes one of them as its second word (``/remove range from:2 to:5``,
``/settings view``), and then that subcommand's options.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from encore.commands import CommandSpec, OptionSpec
from encore.errors import CommandLineError

__all__ = ["TypedCommand", "format_command_line", "parse_command_line"]

_NAME = re.compile(r"^[\w-]{1,32}$")


@dataclass(frozen=True, slots=True)
class TypedCommand:
    """A typed command: its name, the subcommand (for commands that have them) and the raw text of
    each option, in the order typed."""

    name: str
    options: dict[str, str]
    subcommand: str | None = None


def parse_command_line(line: str, catalogue: Mapping[str, CommandSpec]) -> TypedCommand:
    """Split ``line`` into a command name, its subcommand and its raw string options, or raise
    CommandLineError saying what is wrong."""
    text = line.strip()
    if not text.startswith("/"):
        raise CommandLineError("a command starts with '/', e.g. /play query:never gonna give you up")
    head, _, rest = text[1:].partition(" ")
    name = head.lower()
    if not _NAME.match(name):
        raise CommandLineError(f"'{head}' is not a command name")
    spec = catalogue.get(name)
    if spec is None:
        known = ", ".join(f"/{n}" for n in sorted(catalogue))
        raise CommandLineError(f"unknown command /{name}; known: {known}")
    rest = rest.strip()
    if not spec.subcommands:
        return TypedCommand(name, _parse_options(f"/{name}", spec.options, rest))
    subcommands = ", ".join(s.name for s in spec.subcommands)
    word = rest.split(maxsplit=1)[0] if rest else ""
    if not word or ":" in word:  # nothing, or an option where the subcommand should be
        raise CommandLineError(f"/{name} needs a subcommand: {subcommands}")
    sub = spec.subcommand(word.lower())
    if sub is None:
        raise CommandLineError(f"/{name} has no subcommand '{word}'; it needs one of: {subcommands}")
    options = _parse_options(f"/{name} {sub.name}", sub.options, rest[len(word) :].strip())
    return TypedCommand(name, options, sub.name)


def _parse_options(command: str, specs: Sequence[OptionSpec], rest: str) -> dict[str, str]:
    """``rest`` (stripped) as ``{option: raw value}`` for the options in ``specs``."""
    options: dict[str, str] = {}
    if not rest:
        return options
    option_names = sorted(o.name for o in specs)
    if not option_names:
        raise CommandLineError(f"{command} takes no options")
    starts = re.compile(r"(?:^|(?<=\s))(" + "|".join(re.escape(n) for n in option_names) + r"):")
    marks = list(starts.finditer(rest))
    if not marks or marks[0].start() != 0:
        expected = ", ".join(f"{n}:" for n in option_names)
        raise CommandLineError(f"expected an option ({expected}) after {command}")
    for index, mark in enumerate(marks):
        end = marks[index + 1].start() if index + 1 < len(marks) else len(rest)
        option = mark.group(1)
        if option in options:
            raise CommandLineError(f"option {option}: given twice")
        options[option] = rest[mark.end() : end].strip()
    return options


def format_command_line(command: TypedCommand) -> str:
    """The inverse of :func:`parse_command_line` (for values that parse back unambiguously)."""
    head = [f"/{command.name}"] + ([command.subcommand] if command.subcommand else [])
    return " ".join(head + [f"{k}:{v}" for k, v in command.options.items()])
