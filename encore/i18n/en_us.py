"""English (United States): the default locale, and the fallback for every message.

The command catalogue's English texts are in :mod:`encore.commands.catalogue` itself, so ``COMMANDS``
is empty.
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
    # the interactions front
    "front.guild_only": "Encore's commands work in a server, not in direct messages.",
    "front.unknown_command": "I don't know that command. Try `/help`.",
    "front.queue_down": "Sorry, I couldn't take that command right now: the music service is busy. Please try again in a few seconds.",
    "front.rate_limited": "You're going a bit fast. Try again in {seconds} s.",
    "front.dj_only": "Only DJs can do that (the DJ role, or Manage Server).",
    "front.manage_guild": "You need the Manage Server permission for that.",
    "front.premium_required": "That needs {tier}. Use `/premium upgrade` to unlock it.",
    "front.premium_unavailable": "That isn't available on any plan.",
    "front.not_supported": "That action isn't available.",
    "front.outdated_button": "That button is out of date. Use the command again.",
    "front.nothing_playing": "Nothing is playing right now.",
    "front.now_playing": "Now playing **{title}** by {author} `{position} / {length}`",
    "front.now_paused": "Paused: **{title}** by {author} `{position} / {length}`",
    "front.queue_title": "Queue, page {page} of {pages}: {total} tracks, {duration} in all",
    "front.queue_empty": "The queue is empty.",
    "front.queue_item": "`{position}.` **{title}** by {author} `{length}`",
    "front.live": "LIVE",
    "front.premium_status": "This server is on **{tier}**.",
    "front.premium_upgrade": "Upgrade to unlock 24/7, filters, autoplay and longer queues.",
    "front.premium_not_on_sale": "Premium isn't on sale for this bot yet.",
    "front.settings_view": "DJ role: {dj_role}\nDefault volume: {volume}%\nAnnounce channel: {channel}\nLanguage: {language}\nVote-skip: {ratio}% of listeners",
    "front.none": "none",
    "front.everyone": "everyone",
    "front.users_language": "each member's own",
}

COMMANDS: Final[Mapping[str, str]] = {}
