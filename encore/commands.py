"""The slash-command catalogue as data: what the front answers and what register-commands sends.

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

:func:`validate_options` checks an interaction's options against the spec and returns them typed.
Its input is ``{option: value}``; for a command with subcommands it is ``{subcommand: {option:
value}}`` (:func:`options_from_discord` builds either from Discord's nested option list). Its result
is flat: ``{"subcommand": "range", "from": 2, "to": 5}`` (the ``subcommand`` key only for commands
with subcommands; no option is called ``subcommand``). Role, channel and user options come back as
snowflake strings, as Discord sends them. Errors are :class:`OptionError` (a ``ValueError``) with a
message for the user, in the requested locale.

:func:`parse_seek` reads ``/seek`` positions; :func:`help_text` writes ``/help``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import IntEnum, StrEnum
from typing import Any, Final, Protocol

from encore.errors import EncoreError
from encore.i18n import LANGUAGE_NAMES, SUPPORTED_LOCALES, command_text, discord_localizations, translate

__all__ = [
    "CATALOGUE",
    "HELP_LIMIT",
    "MAX_QUEUE_PAGE",
    "MAX_QUEUE_POSITION",
    "MAX_SEEK_MS",
    "SUBCOMMAND",
    "ChannelType",
    "Choice",
    "CommandSpec",
    "DiscordOption",
    "OptionError",
    "OptionSpec",
    "OptionType",
    "OptionValue",
    "Policy",
    "SeekTarget",
    "SubcommandSpec",
    "Where",
    "catalogue_texts",
    "help_text",
    "options_from_discord",
    "parse_seek",
    "text_key",
    "validate_options",
]

OptionValue = str | int | float | bool

#: The key of the chosen subcommand in :func:`validate_options`' result.
SUBCOMMAND: Final = "subcommand"
#: Queue positions a command may name (the queue itself is capped by tier elsewhere).
MAX_QUEUE_POSITION: Final = 10_000
MAX_QUEUE_PAGE: Final = 1_000
#: Discord's message length limit, which ``/help`` must fit.
HELP_LIMIT: Final = 2000
#: The furthest ``/seek`` goes, either way: 99:59:59.
MAX_SEEK_MS: Final = (99 * 3600 + 59 * 60 + 59) * 1000


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


_SNOWFLAKE_TYPES: Final = frozenset(
    {OptionType.USER, OptionType.CHANNEL, OptionType.ROLE, OptionType.MENTIONABLE, OptionType.ATTACHMENT}
)


class ChannelType(IntEnum):
    """The Discord channel types a channel option may offer (the ones Encore uses)."""

    GUILD_TEXT = 0
    GUILD_VOICE = 2
    GUILD_ANNOUNCEMENT = 5


class Where(StrEnum):
    """Who answers a command: the front alone, or the audio fleet through the queue."""

    FRONT = "front"
    FLEET = "fleet"


class OptionError(EncoreError, ValueError):
    """An option value the user must fix. ``str()`` is the message in the locale it was raised for;
    :meth:`message` renders it in another."""

    def __init__(self, key: str, locale: str | None = None, **params: object) -> None:
        super().__init__(translate(key, locale, **params))
        self.key = key
        self.params = params

    def message(self, locale: str | None) -> str:
        return translate(self.key, locale, **self.params)

    def in_locale(self, locale: str | None) -> OptionError:
        return OptionError(self.key, locale, **self.params)


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
    ``manage_guild`` apply (see :meth:`policy`); ``premium_feature`` covers the whole command."""

    name: str
    description: str
    options: tuple[OptionSpec, ...] = ()
    where: Where = Where.FLEET
    guild_only: bool = True
    dj_only: bool = False
    manage_guild: bool = False
    premium_feature: str | None = None
    subcommands: tuple[SubcommandSpec, ...] = ()

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
        if sub is None:
            return Policy(self.where, self.dj_only, self.manage_guild, self.premium_feature)
        return Policy(sub.where, sub.dj_only, sub.manage_guild, self.premium_feature)

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


# -- /seek positions ---------------------------------------------------------------------------

_DIGITS: Final = re.compile(r"[0-9]{1,6}")


@dataclass(frozen=True, slots=True)
class SeekTarget:
    """Where ``/seek`` goes: exactly one of an absolute position or a move from the current one."""

    absolute_ms: int | None = None
    relative_ms: int | None = None

    def __post_init__(self) -> None:
        if (self.absolute_ms is None) == (self.relative_ms is None):
            raise ValueError("a seek target is absolute or relative, exactly one")

    def resolve(self, position_ms: int, length_ms: int) -> int:
        """The position to seek to in a track of ``length_ms``, clamped to the track."""
        target = self.absolute_ms if self.absolute_ms is not None else position_ms + (self.relative_ms or 0)
        return max(0, min(target, length_ms))


def _clock(ms: int) -> str:
    seconds = ms // 1000
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02}:{secs:02}" if hours else f"{minutes}:{secs:02}"


def parse_seek(text: str, locale: str | None = None) -> SeekTarget:
    """Read a ``/seek`` position: ``83`` or ``1:23`` or ``1:02:03`` (absolute), ``+10``/``-1:30``
    (relative, in seconds or the same clock forms). Raises OptionError (a ValueError) with a
    message for the user when the text is not one of those, or goes past :data:`MAX_SEEK_MS`."""
    raw = text.strip()
    sign = raw[:1] if raw[:1] in ("+", "-") else ""
    parts = raw[len(sign) :].split(":")
    if len(parts) > 3 or not all(_DIGITS.fullmatch(p) for p in parts):
        raise OptionError("error.bad_seek", locale)
    numbers = [int(p) for p in parts]
    if any(n > 59 for n in numbers[1:]) or any(len(p) > 2 for p in parts[1:]):
        raise OptionError("error.bad_seek", locale)
    seconds = 0
    for number in numbers:
        seconds = seconds * 60 + number
    ms = seconds * 1000
    if ms > MAX_SEEK_MS:
        raise OptionError("error.seek_too_far", locale, max=_clock(MAX_SEEK_MS))
    if sign:
        return SeekTarget(relative_ms=-ms if sign == "-" else ms)
    return SeekTarget(absolute_ms=ms)


def _range_in_order(options: Mapping[str, OptionValue]) -> None:
    first, last = options.get("from"), options.get("to")
    if isinstance(first, int) and isinstance(last, int) and first > last:
        raise OptionError("error.range_order", first="from", last="to")


# -- the catalogue -----------------------------------------------------------------------------


def _position(name: str, description: str) -> OptionSpec:
    return OptionSpec(
        name, description, OptionType.INTEGER, required=True, min_value=1, max_value=MAX_QUEUE_POSITION
    )


def _playlist_name() -> OptionSpec:
    return OptionSpec("name", "The playlist's name", required=True, min_length=1, max_length=50)


def _volume(minimum: int, description: str) -> OptionSpec:
    return OptionSpec(
        "level", description, OptionType.INTEGER, required=True, min_value=minimum, max_value=200
    )


_QUERY_DESCRIPTION: Final = "A song name, or a link to a track or playlist"

_FILTERS: Final = (
    Choice("Off", "off"),
    Choice("Nightcore", "nightcore"),
    Choice("Vaporwave", "vaporwave"),
    Choice("Bass boost", "bassboost"),
    Choice("8D audio", "8d"),
    Choice("Karaoke", "karaoke"),
    Choice("Tremolo", "tremolo"),
    Choice("Vibrato", "vibrato"),
    Choice("Speed up", "speed-up"),
    Choice("Slow down", "slow-down"),
    Choice("Pitch up", "pitch-up"),
    Choice("Pitch down", "pitch-down"),
    Choice("Soft", "soft"),
    Choice("Pop EQ", "eq-pop"),
    Choice("Rock EQ", "eq-rock"),
    Choice("Classical EQ", "eq-classical"),
    Choice("Electronic EQ", "eq-electronic"),
)

_COMMANDS: Final = (
    CommandSpec(
        "play",
        "Play a song or add it to the queue",
        (
            OptionSpec(
                "query", _QUERY_DESCRIPTION, required=True, min_length=1, max_length=200, autocomplete=True
            ),
            OptionSpec("next", "Put it at the front of the queue instead of the end", OptionType.BOOLEAN),
        ),
    ),
    CommandSpec(
        "search",
        "Search for a song and pick one of the results",
        (OptionSpec("query", "What to search for", required=True, min_length=1, max_length=200),),
    ),
    CommandSpec("pause", "Pause the music", dj_only=True),
    CommandSpec("resume", "Resume the paused music", dj_only=True),
    CommandSpec(
        "skip",
        "Skip the current song (or vote to skip it)",
        (
            OptionSpec(
                "to",
                "Skip ahead to this position in the queue",
                OptionType.INTEGER,
                min_value=1,
                max_value=MAX_QUEUE_POSITION,
            ),
        ),
    ),
    CommandSpec("previous", "Play the previous song again", dj_only=True),
    CommandSpec(
        "seek",
        "Jump to a point in the current song",
        (
            OptionSpec(
                "position",
                "A time like 1:23 or 83, or +10 / -10 to move from here",
                required=True,
                min_length=1,
                max_length=16,
                check=parse_seek,
            ),
        ),
        dj_only=True,
    ),
    CommandSpec("replay", "Restart the current song from the beginning", dj_only=True),
    CommandSpec("stop", "Stop the music and clear the queue", dj_only=True),
    CommandSpec("leave", "Stop the music and leave the voice channel", dj_only=True),
    CommandSpec(
        "queue",
        "Show the queue",
        (
            OptionSpec(
                "page",
                "Which page of the queue to show",
                OptionType.INTEGER,
                min_value=1,
                max_value=MAX_QUEUE_PAGE,
            ),
        ),
        where=Where.FRONT,
    ),
    CommandSpec("nowplaying", "Show the song that is playing", where=Where.FRONT),
    CommandSpec("volume", "Set the volume", (_volume(0, "Volume in percent, from 0 to 200"),), dj_only=True),
    CommandSpec(
        "loop",
        "Repeat the current song, the whole queue, or nothing",
        (
            OptionSpec(
                "mode",
                "What to repeat",
                required=True,
                choices=(
                    Choice("Off", "off"),
                    Choice("Current song", "track"),
                    Choice("Whole queue", "queue"),
                ),
            ),
        ),
        dj_only=True,
    ),
    CommandSpec("shuffle", "Shuffle the queue", dj_only=True),
    CommandSpec(
        "remove",
        "Remove songs from the queue",
        subcommands=(
            SubcommandSpec(
                "position",
                "Remove one song",
                (_position("position", "Its position in the queue"),),
                dj_only=True,
            ),
            SubcommandSpec(
                "range",
                "Remove several songs in a row",
                (_position("from", "First position to remove"), _position("to", "Last position to remove")),
                dj_only=True,
                check=_range_in_order,
            ),
        ),
    ),
    CommandSpec(
        "move",
        "Move a song to another place in the queue",
        (_position("from", "The song's position now"), _position("to", "Its new position")),
        dj_only=True,
    ),
    CommandSpec("clear", "Remove every song from the queue (the current one keeps playing)", dj_only=True),
    CommandSpec("history", "Show the songs played recently", where=Where.FRONT),
    CommandSpec(
        "autoplay",
        "Keep playing similar songs when the queue runs out",
        (
            OptionSpec(
                "mode",
                "Turn autoplay on or off",
                required=True,
                choices=(Choice("On", "on"), Choice("Off", "off")),
            ),
        ),
        dj_only=True,
    ),
    CommandSpec(
        "filter",
        "Apply an audio effect to the music",
        (OptionSpec("preset", "The effect to apply", required=True, choices=_FILTERS),),
        dj_only=True,
    ),
    CommandSpec("lyrics", "Show the lyrics of the song that is playing"),
    CommandSpec(
        "playlist",
        "Your saved playlists",
        subcommands=(
            SubcommandSpec("save", "Save the queue as a playlist", (_playlist_name(),)),
            SubcommandSpec("load", "Add a saved playlist to the queue", (_playlist_name(),)),
            SubcommandSpec("list", "List your playlists", where=Where.FRONT),
            SubcommandSpec("delete", "Delete one of your playlists", (_playlist_name(),)),
            SubcommandSpec(
                "add",
                "Add a song to one of your playlists",
                (
                    _playlist_name(),
                    OptionSpec("query", _QUERY_DESCRIPTION, required=True, min_length=1, max_length=200),
                ),
            ),
        ),
    ),
    CommandSpec("247", "Stay in the voice channel around the clock", dj_only=True, premium_feature="24/7"),
    CommandSpec(
        "settings",
        "Encore's settings for this server",
        subcommands=(
            SubcommandSpec("view", "Show the current settings", where=Where.FRONT),
            SubcommandSpec(
                "dj-role",
                "Set the role that controls the music",
                (
                    OptionSpec(
                        "role",
                        "The DJ role (pick @everyone to let everyone control the music)",
                        OptionType.ROLE,
                        required=True,
                    ),
                ),
                manage_guild=True,
            ),
            SubcommandSpec(
                "default-volume",
                "Set the volume the music starts at",
                (_volume(1, "Volume in percent, from 1 to 200"),),
                manage_guild=True,
            ),
            SubcommandSpec(
                "announce-channel",
                "Set where Encore announces each new song",
                (
                    OptionSpec(
                        "channel",
                        "A text channel",
                        OptionType.CHANNEL,
                        required=True,
                        channel_types=(ChannelType.GUILD_TEXT, ChannelType.GUILD_ANNOUNCEMENT),
                    ),
                ),
                manage_guild=True,
            ),
            SubcommandSpec(
                "language",
                "Set the language Encore answers in",
                (
                    OptionSpec(
                        "language",
                        "One of the languages Encore speaks",
                        required=True,
                        choices=tuple(
                            Choice(LANGUAGE_NAMES[c], c, localize=False) for c in SUPPORTED_LOCALES
                        ),
                    ),
                ),
                manage_guild=True,
            ),
            SubcommandSpec(
                "vote-skip",
                "Set how many listeners must vote to skip a song",
                (
                    OptionSpec(
                        "ratio",
                        "Percent of the listeners (0: anyone skips at once)",
                        OptionType.INTEGER,
                        required=True,
                        min_value=0,
                        max_value=100,
                    ),
                ),
                manage_guild=True,
            ),
        ),
    ),
    CommandSpec(
        "premium",
        "Encore Premium for this server",
        subcommands=(
            SubcommandSpec("status", "Show this server's premium status", where=Where.FRONT),
            SubcommandSpec("trial", "Start a free trial of Premium", manage_guild=True),
            # Answered with a premium button (component style 6): nothing for the fleet to do.
            SubcommandSpec("upgrade", "Get Premium for this server", where=Where.FRONT),
        ),
    ),
    CommandSpec("help", "List Encore's commands", where=Where.FRONT),
)

CATALOGUE: Final[Mapping[str, CommandSpec]] = {spec.name: spec for spec in _COMMANDS}


def catalogue_texts(catalogue: Mapping[str, CommandSpec] = CATALOGUE) -> dict[str, str]:
    """Every translatable catalogue text, by :func:`text_key`, with its English original."""
    texts: dict[str, str] = {}

    def options(path: tuple[str, ...], specs: Iterable[OptionSpec]) -> None:
        for option in specs:
            texts[text_key(*path, option.name, "description")] = option.description
            for choice in option.choices:
                if choice.localize:
                    texts[text_key(*path, option.name, "choice", str(choice.value))] = choice.name

    for spec in catalogue.values():
        texts[text_key(spec.name, "name")] = spec.name
        texts[text_key(spec.name, "description")] = spec.description
        options((spec.name,), spec.options)
        for sub in spec.subcommands:
            texts[text_key(spec.name, sub.name, "description")] = sub.description
            options((spec.name, sub.name), sub.options)
    return texts


# -- validation --------------------------------------------------------------------------------


class DiscordOption(Protocol):
    """An option as an interaction carries it (e.g. ``interactions.payload.CommandOption``)."""

    @property
    def name(self) -> str: ...
    @property
    def type(self) -> int: ...
    @property
    def value(self) -> object: ...
    @property
    def options(self) -> Sequence[DiscordOption]: ...


def options_from_discord(options: Iterable[DiscordOption]) -> dict[str, object]:
    """Discord's option list as :func:`validate_options` takes it (subcommands nest a mapping)."""
    return {
        o.name: options_from_discord(o.options)
        if o.type in (OptionType.SUB_COMMAND, OptionType.SUB_COMMAND_GROUP)
        else o.value
        for o in options
    }


def validate_options(
    spec: CommandSpec, options: Mapping[str, object], locale: str | None = None
) -> dict[str, OptionValue]:
    """Check ``options`` against ``spec``: return them typed, or raise OptionError saying why.

    ``options`` is ``{name: value}``, or ``{subcommand: {name: value}}`` for a command with
    subcommands; the result is flat, ``{"subcommand": "range", "from": 2, "to": 5}`` for the
    latter. The message is written for the user who typed the command, in ``locale``.
    """
    try:
        if not spec.subcommands:
            return _check_options(spec.name, spec.options, options)
        names = ", ".join(f"`{s.name}`" for s in spec.subcommands)
        unknown = next((n for n in options if spec.subcommand(n) is None), None)
        if unknown is not None:
            raise OptionError("error.unknown_subcommand", command=spec.name, subcommand=unknown)
        if len(options) != 1:
            raise OptionError("error.needs_subcommand", command=spec.name, subcommands=names)
        ((name, inner),) = options.items()
        sub = spec.subcommand(name)
        assert sub is not None
        if not isinstance(inner, Mapping | None):
            raise OptionError("error.needs_subcommand", command=spec.name, subcommands=names)
        clean = _check_options(f"{spec.name} {sub.name}", sub.options, inner or {})
        if sub.check is not None:
            sub.check(clean)
        return {SUBCOMMAND: sub.name, **clean}
    except OptionError as exc:
        if locale is None:
            raise
        raise exc.in_locale(locale) from None


def _check_options(
    command: str, specs: tuple[OptionSpec, ...], options: Mapping[str, object]
) -> dict[str, OptionValue]:
    clean: dict[str, OptionValue] = {}
    known = {o.name for o in specs}
    for name in options:
        if name not in known:
            raise OptionError("error.unknown_option", command=command, option=name)
    for option in specs:
        if option.name not in options:
            if option.required:
                raise OptionError("error.missing_option", command=command, option=option.name)
            continue
        clean[option.name] = _check_value(option, options[option.name])
    return clean


def _check_value(option: OptionSpec, value: object) -> OptionValue:
    checked = _check_type(option, value)
    if option.choices and checked not in {c.value for c in option.choices}:
        shown = ", ".join(f"`{c.value}`" for c in option.choices)
        raise OptionError("error.not_a_choice", option=option.name, choices=shown)
    if option.check is not None and isinstance(checked, str):
        option.check(checked)
    return checked


def _check_type(option: OptionSpec, value: object) -> OptionValue:
    name = option.name
    if option.type is OptionType.STRING:
        if not isinstance(value, str):
            raise OptionError("error.not_text", option=name)
        text = value.strip()
        if not text and option.min_length:
            raise OptionError("error.empty", option=name)
        if option.min_length is not None and len(text) < option.min_length:
            raise OptionError("error.too_short", option=name, min=option.min_length)
        if option.max_length is not None and len(text) > option.max_length:
            raise OptionError("error.too_long", option=name, max=option.max_length)
        return text
    if option.type is OptionType.BOOLEAN:
        if not isinstance(value, bool):
            raise OptionError("error.not_boolean", option=name)
        return value
    if option.type in _SNOWFLAKE_TYPES:
        return _snowflake(value, name)
    # INTEGER or NUMBER (OptionSpec refuses the subcommand types)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise OptionError("error.not_number", option=name)
    if option.type is OptionType.INTEGER and not float(value).is_integer():
        raise OptionError("error.not_whole", option=name)
    number: int | float = int(value) if option.type is OptionType.INTEGER else float(value)
    if option.min_value is not None and number < option.min_value:
        raise OptionError("error.too_small", option=name, min=option.min_value)
    if option.max_value is not None and number > option.max_value:
        raise OptionError("error.too_large", option=name, max=option.max_value)
    return number


_SNOWFLAKE_TEXT: Final = re.compile(r"[1-9][0-9]{0,19}")


def _snowflake(value: object, option: str) -> str:
    """A snowflake as its decimal string (the envelope keeps snowflakes as strings)."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if isinstance(value, str) and _SNOWFLAKE_TEXT.fullmatch(value) and int(value) < 2**64:
        return value
    raise OptionError("error.not_a_pick", option=option)


# -- /help -------------------------------------------------------------------------------------


def _usage(spec: CommandSpec) -> str:
    if spec.subcommands:
        return " " + "|".join(s.name for s in spec.subcommands)
    return "".join(f" {o.name}" if o.required else f" [{o.name}]" for o in spec.options)


def help_text(locale: str | None = None, catalogue: Mapping[str, CommandSpec] = CATALOGUE) -> str:
    """The ``/help`` message: every command, its arguments and what it does, in ``locale``.

    Command names are the ones Discord shows in that language. At most :data:`HELP_LIMIT`
    characters (lines that would not fit are left out, ending with "…").
    """
    lines = [translate("help.title", locale)]
    for spec in catalogue.values():
        name = command_text(text_key(spec.name, "name"), locale) or spec.name
        description = command_text(text_key(spec.name, "description"), locale) or spec.description
        lines.append(f"`/{name}{_usage(spec)}` — {description}")
    lines.append(translate("help.footer", locale))
    text = "\n".join(lines)
    if len(text) <= HELP_LIMIT:
        return text
    kept: list[str] = []
    for line in lines:
        if sum(len(k) + 1 for k in kept) + len(line) + 2 > HELP_LIMIT:
            break
        kept.append(line)
    return "\n".join([*kept, "…"])
