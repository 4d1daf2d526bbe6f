"""The slash-command catalogue as data: what the front answers and what register-commands sends.

One module per concept; everything public is re-exported here, so callers import from
:mod:`encore.commands`:

* :mod:`~encore.commands.spec`: the shape of a command (:class:`CommandSpec`, :class:`OptionSpec`,
  :class:`SubcommandSpec`, :class:`Choice`) and how Encore handles it (:class:`Policy`,
  :class:`Where`), rendered for Discord by ``to_discord()``.
* :mod:`~encore.commands.catalogue`: :data:`CATALOGUE`, Encore's commands with their English texts
  (translations live in :mod:`encore.i18n`, keyed by :func:`text_key`).
* :mod:`~encore.commands.validation`: :func:`validate_options` checks an interaction's options
  against the spec and returns them typed, flat: ``{"subcommand": "range", "from": 2, "to": 5}``
  (:func:`options_from_discord` turns Discord's nested option list into its input).
* :mod:`~encore.commands.option_error`: :class:`OptionError` (a ``ValueError``), what the user must
  fix, with a message in their locale.
* :mod:`~encore.commands.seek`: :func:`parse_seek` reads ``/seek`` positions.
* :mod:`~encore.commands.help`: :func:`help_text` writes ``/help``.
"""

from __future__ import annotations

from encore.commands.catalogue import CATALOGUE, MAX_QUEUE_PAGE, MAX_QUEUE_POSITION, catalogue_texts
from encore.commands.help import HELP_LIMIT, help_text
from encore.commands.option_error import OptionError
from encore.commands.seek import MAX_SEEK_MS, SeekTarget, parse_seek
from encore.commands.spec import (
    SUBCOMMAND,
    ChannelType,
    Choice,
    CommandSpec,
    OptionSpec,
    OptionType,
    OptionValue,
    Policy,
    SubcommandSpec,
    Where,
    text_key,
)
from encore.commands.validation import DiscordOption, options_from_discord, validate_options

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
