"""The shape of a slash command: :class:`CommandSpec`, its options and subcommands, and its policy.

Each :class:`CommandSpec` says what Discord shows (name, description, options or subcommands, with
their English text; translations live in :mod:`encore.i18n` keyed by :func:`text_key`) and how
Encore handles it (:class:`Policy`):

* ``where``: :attr:`Where.FRONT` when the front answers alone, from stored state or static text
  (``/queue``, ``/nowplaying`` from the player snapshot, ``/settings view``, ``/help``...);
  :attr:`Where.FLEET` when it touches audio or writes state, so it goes through the guild's queue
  in order.
* ``dj_only`` (needs the guild's DJ role when one is set), ``manage_guild`` (needs the Manage
  Server permission), ``premium_feature`` (the name of the premium feature it needs, or None).

A command has either options or subcommands; each subcommand carries its own policy.
``to_discord()`` renders each spec as the JSON Discord expects in a bulk overwrite.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import IntEnum, StrEnum
from typing import Any, Final

from encore.i18n import discord_localizations

__all__ = [
    "SUBCOMMAND",
    "ChannelType",
    "Choice",
    "CommandSpec",
    "OptionSpec",
    "OptionType",
    "OptionValue",
    "Policy",
    "SubcommandSpec",
    "Where",
    "text_key",
]

OptionValue = str | int | float | bool

#: The key of the chosen subcommand in :func:`~encore.commands.validation.validate_options`' result.
SUBCOMMAND: Final = "subcommand"


class OptionType(IntEnum):
    """Discord's application command option types."""

    SUB_COMMAND = 1
    SUB_COMMAND_GROUP = 2
    STRING = 3
    INTEGER = 4
    BOOLEAN = 5
    USER = 6
    CHANNEL = 7
    ROLE = 8
    MENTIONABLE = 9
    NUMBER = 10
    ATTACHMENT = 11


class ChannelType(IntEnum):
    """The Discord channel types a channel option may offer (the ones Encore uses)."""

    GUILD_TEXT = 0
    GUILD_VOICE = 2
    GUILD_ANNOUNCEMENT = 5


class Where(StrEnum):
    """Who answers a command: the front alone, or the audio fleet through the queue."""

    FRONT = "front"
    FLEET = "fleet"


def text_key(*path: str) -> str:
    """The :mod:`encore.i18n` key of a catalogue text, e.g. ``cmd.remove.range.from.description``."""
    return ".".join(("cmd", *path))


@dataclass(frozen=True, slots=True)
class Choice:
    """One of an option's fixed values. ``name`` is what Discord shows (English; translated via
    :mod:`encore.i18n` unless ``localize`` is False, e.g. for language names)."""

    name: str
    value: str | int
    localize: bool = True

    def to_discord(self, path: tuple[str, ...]) -> dict[str, Any]:
        body: dict[str, Any] = {"name": self.name, "value": self.value}
        translated = self.localize and len(path) > 1  # (command[, subcommand], option)
        names = discord_localizations(text_key(*path, "choice", str(self.value))) if translated else {}
        if names:
            body["name_localizations"] = names
        return body


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
    choices: tuple[Choice, ...] = ()
    autocomplete: bool = False
    channel_types: tuple[ChannelType, ...] = ()
    #: Extra check of a (stripped) string value; raises OptionError.
    check: Callable[[str], object] | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if self.type in (OptionType.SUB_COMMAND, OptionType.SUB_COMMAND_GROUP):
            raise ValueError(f"option {self.name}: subcommands are SubcommandSpec, not options")

    def to_discord(self, path: tuple[str, ...] = ()) -> dict[str, Any]:
        """Discord's option object; ``path`` (command[, subcommand]) selects its translations."""
        body: dict[str, Any] = {
            "name": self.name,
            "description": self.description,
            "type": int(self.type),
            "required": self.required,
        }
        if path:
            descriptions = discord_localizations(text_key(*path, self.name, "description"))
            if descriptions:
                body["description_localizations"] = descriptions
        for key in ("min_length", "max_length", "min_value", "max_value"):
            value = getattr(self, key)
            if value is not None:
                body[key] = value
        if self.choices:
            body["choices"] = [c.to_discord((*path, self.name)) for c in self.choices]
        if self.autocomplete:
            body["autocomplete"] = True
        if self.channel_types:
            body["channel_types"] = [int(t) for t in self.channel_types]
        return body


@dataclass(frozen=True, slots=True)
class Policy:
    """How Encore handles a command (or one subcommand)."""

    where: Where = Where.FLEET
    dj_only: bool = False
    manage_guild: bool = False
    premium_feature: str | None = None


@dataclass(frozen=True, slots=True)
class SubcommandSpec:
    name: str
    description: str
    options: tuple[OptionSpec, ...] = ()
    where: Where = Where.FLEET
    dj_only: bool = False
    manage_guild: bool = False
    #: Extra check across the validated options; raises OptionError.
    check: Callable[[Mapping[str, OptionValue]], None] | None = field(default=None, compare=False)

    def option(self, name: str) -> OptionSpec | None:
        return next((o for o in self.options if o.name == name), None)

    def to_discord(self, command: str) -> dict[str, Any]:
        body: dict[str, Any] = {
            "name": self.name,
            "description": self.description,
            "type": int(OptionType.SUB_COMMAND),
        }
        descriptions = discord_localizations(text_key(command, self.name, "description"))
        if descriptions:
            body["description_localizations"] = descriptions
        body["options"] = [o.to_discord((command, self.name)) for o in self.options]
        return body


@dataclass(frozen=True, slots=True)
class CommandSpec:
    """A slash command. For one with ``subcommands``, each subcommand's own ``where``/``dj_only``/
    ``manage_guild`` apply (see :meth:`policy`); ``premium_feature`` covers the whole command, except
    a call with one of the ``free_with`` (option, value) pairs: turning the feature off is free, so a
    guild that lost premium can still switch it off."""

    name: str
    description: str
    options: tuple[OptionSpec, ...] = ()
    where: Where = Where.FLEET
    guild_only: bool = True
    dj_only: bool = False
    manage_guild: bool = False
    premium_feature: str | None = None
    subcommands: tuple[SubcommandSpec, ...] = ()
    free_with: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        if self.options and self.subcommands:
            raise ValueError(f"/{self.name}: a command has options or subcommands, not both")

    @property
    def needs_audio(self) -> bool:
        """Whether the command (any of its subcommands) goes to the fleet."""
        if self.subcommands:
            return any(s.where is Where.FLEET for s in self.subcommands)
        return self.where is Where.FLEET

    def option(self, name: str) -> OptionSpec | None:
        return next((o for o in self.options if o.name == name), None)

    def subcommand(self, name: str) -> SubcommandSpec | None:
        return next((s for s in self.subcommands if s.name == name), None)

    def policy(self, validated: Mapping[str, OptionValue] | None = None) -> Policy:
        """The policy for a call, given :func:`validate_options`' result (which names the subcommand)."""
        chosen = validated.get(SUBCOMMAND) if validated is not None and self.subcommands else None
        sub = self.subcommand(chosen) if isinstance(chosen, str) else None
        free = validated is not None and any(validated.get(name) == value for name, value in self.free_with)
        premium = None if free else self.premium_feature
        if sub is None:
            return Policy(self.where, self.dj_only, self.manage_guild, premium)
        return Policy(sub.where, sub.dj_only, sub.manage_guild, premium)

    def to_discord(self) -> dict[str, Any]:
        """The body Discord expects in a bulk overwrite (``PUT .../commands``)."""
        body: dict[str, Any] = {"name": self.name, "type": 1, "description": self.description}
        names = discord_localizations(text_key(self.name, "name"))
        if names:
            body["name_localizations"] = names
        descriptions = discord_localizations(text_key(self.name, "description"))
        if descriptions:
            body["description_localizations"] = descriptions
        if self.subcommands:
            body["options"] = [s.to_discord(self.name) for s in self.subcommands]
        else:
            body["options"] = [o.to_discord((self.name,)) for o in self.options]
        body["contexts"] = [0] if self.guild_only else [0, 1, 2]
        return body
