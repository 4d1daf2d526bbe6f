"""Encore's slash commands, as data: :data:`CATALOGUE` is what the front answers and what
``encore register-commands`` sends, with the English texts (translations are in :mod:`encore.i18n`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Final

from encore.commands.option_error import OptionError
from encore.commands.seek import parse_seek
from encore.commands.spec import (
    ChannelType,
    Choice,
    CommandSpec,
    OptionSpec,
    OptionType,
    OptionValue,
    SubcommandSpec,
    Where,
    text_key,
)
from encore.i18n import LANGUAGE_NAMES, SUPPORTED_LOCALES

__all__ = ["CATALOGUE", "MAX_QUEUE_PAGE", "MAX_QUEUE_POSITION", "catalogue_texts"]

#: Queue positions a command may name (the queue itself is capped by tier elsewhere).
MAX_QUEUE_POSITION: Final = 10_000
MAX_QUEUE_PAGE: Final = 1_000


def _range_in_order(options: Mapping[str, OptionValue]) -> None:
    first, last = options.get("from"), options.get("to")
    if isinstance(first, int) and isinstance(last, int) and first > last:
        raise OptionError("error.range_order", first="from", last="to")


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
        (
            OptionSpec("preset", "The effect to apply", required=True, choices=_FILTERS),
            OptionSpec(
                "speed",
                "Playback speed in percent (100 is normal)",
                OptionType.INTEGER,
                min_value=50,
                max_value=200,
            ),
            OptionSpec(
                "pitch", "Pitch in percent (100 is normal)", OptionType.INTEGER, min_value=50, max_value=200
            ),
        ),
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
    CommandSpec(
        "247",
        "Stay in the voice channel around the clock",
        (
            OptionSpec(
                "mode",
                "Turn 24/7 on or off (default: switch it)",
                choices=(Choice("On", "on"), Choice("Off", "off")),
            ),
        ),
        dj_only=True,
        premium_feature="24/7",
        # Turning it off needs no premium: a guild that lost premium can still switch it off.
        free_with=(("mode", "off"),),
    ),
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
