"""English (United States): the default locale, and the fallback for every message.

The command catalogue's English texts are in :mod:`encore.commands` itself, so ``COMMANDS`` is empty.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

MESSAGES: Final[Mapping[str, str]] = {
    # validate_options: what is wrong with what the user typed
    "error.unknown_option": "/{command} has no option called `{option}`.",
    "error.missing_option": "/{command} needs `{option}`.",
    "error.unknown_subcommand": "/{command} has no subcommand called `{subcommand}`.",
    "error.needs_subcommand": "/{command} needs one of: {subcommands}.",
    "error.not_text": "`{option}` must be text.",
    "error.empty": "`{option}` can't be empty.",
    "error.too_short": "`{option}` is too short (at least {min} characters).",
    "error.too_long": "`{option}` is too long (at most {max} characters).",
    "error.not_boolean": "`{option}` must be true or false.",
    "error.not_number": "`{option}` must be a number.",
    "error.not_whole": "`{option}` must be a whole number.",
    "error.too_small": "`{option}` must be at least {min}.",
    "error.too_large": "`{option}` must be at most {max}.",
    "error.not_a_choice": "`{option}` must be one of: {choices}.",
    "error.not_a_pick": "`{option}` must be picked from the list Discord shows.",
    "error.range_order": "`{first}` can't be after `{last}`.",
    "error.bad_seek": "That isn't a time: try `1:23`, `83`, `+10` or `-10`.",
    "error.seek_too_far": "That's too far: at most `{max}`.",
    # /help
    "help.title": "**Encore** plays music in your voice channel. Commands:",
    "help.footer": "Options in [brackets] are optional; a|b means pick one.",
}

COMMANDS: Final[Mapping[str, str]] = {}
