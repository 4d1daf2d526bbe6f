"""Parse a command typed the way Discord's client shows it: ``/name option:value other:value``.

A value runs until the next ``known_option:`` word, so values may contain spaces and colons
(``/seek position:1:23``, ``/play query:daft punk: one more time``). Only the command's own option
names start a new option; anything else belongs to the current value.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from encore.commands import CommandSpec
from encore.errors import CommandLineError

__all__ = ["TypedCommand", "format_command_line", "parse_command_line"]

_NAME = re.compile(r"^[\w-]{1,32}$")


@dataclass(frozen=True, slots=True)
class TypedCommand:
    name: str
    options: dict[str, str]


def parse_command_line(line: str, catalogue: Mapping[str, CommandSpec]) -> TypedCommand:
    """Split ``line`` into a command name and its raw string options, or raise CommandLineError."""
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
    option_names = {o.name for o in spec.options}
    starts = (
        re.compile(r"(?:^|(?<=\s))(" + "|".join(re.escape(n) for n in sorted(option_names)) + r"):")
        if option_names
        else None
    )
    options: dict[str, str] = {}
    rest = rest.strip()
    if not rest:
        return TypedCommand(name, options)
    if starts is None:
        raise CommandLineError(f"/{name} takes no options")
    marks = list(starts.finditer(rest))
    if not marks or marks[0].start() != 0:
        expected = ", ".join(f"{n}:" for n in sorted(option_names))
        raise CommandLineError(f"expected an option ({expected}) after /{name}")
    for index, mark in enumerate(marks):
        end = marks[index + 1].start() if index + 1 < len(marks) else len(rest)
        option = mark.group(1)
        if option in options:
            raise CommandLineError(f"option {option}: given twice")
        options[option] = rest[mark.end() : end].strip()
    return TypedCommand(name, options)


def format_command_line(command: TypedCommand) -> str:
    """The inverse of :func:`parse_command_line` (for values that parse back unambiguously)."""
    parts = [f"/{command.name}"] + [f"{k}:{v}" for k, v in command.options.items()]
    return " ".join(parts)
