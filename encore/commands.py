"""The slash-command catalogue as data: what the front answers and what register-commands sends.

Each :class:`CommandSpec` says what Discord shows (name, description, options) and whether the
command needs the audio fleet (``needs_audio``: it goes through the queue) or can be answered by
the front alone. :func:`validate_options` checks an interaction's options against the spec.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any, Final

__all__ = [
    "CATALOGUE",
    "CommandSpec",
    "OptionSpec",
    "OptionType",
    "OptionValue",
    "validate_options",
]

OptionValue = str | int | float | bool


class OptionType(IntEnum):
    """Discord's application command option types that Encore uses."""

    STRING = 3
    INTEGER = 4
    BOOLEAN = 5
    NUMBER = 10


@dataclass(frozen=True, slots=True)
class OptionSpec:
    name: str
    description: str
    type: OptionType = OptionType.STRING
    required: bool = False
    min_length: int | None = None
    max_length: int | None = None
    min_value: int | None = None
    max_value: int | None = None

    def to_discord(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "name": self.name,
            "description": self.description,
            "type": int(self.type),
            "required": self.required,
        }
        for key in ("min_length", "max_length", "min_value", "max_value"):
            value = getattr(self, key)
            if value is not None:
                body[key] = value
        return body


@dataclass(frozen=True, slots=True)
class CommandSpec:
    name: str
    description: str
    options: tuple[OptionSpec, ...] = field(default_factory=tuple)
    needs_audio: bool = True
    guild_only: bool = True

    def option(self, name: str) -> OptionSpec | None:
        return next((o for o in self.options if o.name == name), None)

    def to_discord(self) -> dict[str, Any]:
        """The body Discord expects in a bulk overwrite (``PUT .../commands``)."""
        return {
            "name": self.name,
            "type": 1,
            "description": self.description,
            "options": [o.to_discord() for o in self.options],
            "contexts": [0] if self.guild_only else [0, 1, 2],
        }


CATALOGUE: Final[Mapping[str, CommandSpec]] = {
    spec.name: spec
    for spec in (
        CommandSpec(
            name="play",
            description="Play a song or add it to the queue",
            options=(
                OptionSpec(
                    "query",
                    "A song name, or a link to a track or playlist",
                    required=True,
                    min_length=1,
                    max_length=200,
                ),
            ),
        ),
    )
}


def validate_options(spec: CommandSpec, options: Mapping[str, object]) -> dict[str, OptionValue]:
    """Check ``options`` against ``spec``: return them typed, or raise ValueError saying why.

    The message is written for the user who typed the command.
    """
    clean: dict[str, OptionValue] = {}
    for name in options:
        if spec.option(name) is None:
            raise ValueError(f"/{spec.name} has no option called `{name}`.")
    for option in spec.options:
        if option.name not in options:
            if option.required:
                raise ValueError(f"/{spec.name} needs `{option.name}`.")
            continue
        clean[option.name] = _check_value(option, options[option.name])
    return clean


def _check_value(option: OptionSpec, value: object) -> OptionValue:
    if option.type is OptionType.STRING:
        if not isinstance(value, str):
            raise ValueError(f"`{option.name}` must be text.")
        text = value.strip()
        if option.min_length is not None and len(text) < option.min_length:
            raise ValueError(f"`{option.name}` can't be empty.")
        if option.max_length is not None and len(text) > option.max_length:
            raise ValueError(f"`{option.name}` is too long (at most {option.max_length} characters).")
        return text
    if option.type is OptionType.BOOLEAN:
        if not isinstance(value, bool):
            raise ValueError(f"`{option.name}` must be true or false.")
        return value
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"`{option.name}` must be a number.")
    if option.type is OptionType.INTEGER and not float(value).is_integer():
        raise ValueError(f"`{option.name}` must be a whole number.")
    number: int | float = int(value) if option.type is OptionType.INTEGER else float(value)
    if option.min_value is not None and number < option.min_value:
        raise ValueError(f"`{option.name}` must be at least {option.min_value}.")
    if option.max_value is not None and number > option.max_value:
        raise ValueError(f"`{option.name}` must be at most {option.max_value}.")
    return number
