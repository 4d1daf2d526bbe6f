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
    # the fleet: playback errors (track loads, TrackException, TrackStuck)
    "playback.age_restricted": "That song is age-restricted on {source}, so I can't play it.",
    "playback.region_blocked": "That song isn't available on {source} in the music server's region.",
    "playback.bot_check": "{source} is blocking the music server right now (it wants a sign-in to prove it's not a bot). Try again later, or use a link from another site.",
    "playback.unavailable": "That song is unavailable on {source}: it was removed, made private or blocked.",
    "playback.transient": "{source} isn't answering right now. Please try again in a minute.",
    "playback.load_failed": "I couldn't load that: {reason}",
    "playback.refused": "the source refused it.",
    "playback.fallback_used": "{failed} isn't working right now, so I searched {used} instead.",
    "playback.track_failed": "I couldn't play {track}. {reason} Moving on to the next song.",
    "playback.track_stuck": "{track} got stuck, so I skipped it.",
    # the fleet: audio effects, lyrics, autoplay
    "fleet.filter_applied": "Applied the **{name}** effect. Use `/filter preset:Off` to remove it.",
    "fleet.filter_off": "Audio effects are off.",
    "fleet.filter_unknown": "There's no effect called `{preset}`.",
    "fleet.filter_timescale": "Speed {speed}%, pitch {pitch}%.",
    "fleet.lyrics_unsupported": "Lyrics aren't available: the music server has no lyrics plugin.",
    "fleet.lyrics_not_found": "I couldn't find lyrics for {track}.",
    "fleet.lyrics_title": "Lyrics for {track} (from {source}):",
    "fleet.lyrics_cut": "… (cut to fit in one message)",
    "fleet.lyrics_failed": "I couldn't get the lyrics right now. Please try again in a minute.",
    "fleet.autoplay_on": "Autoplay is on: when the queue runs out, I'll keep playing songs like the ones you played.",
    "fleet.autoplay_off": "Autoplay is off.",
    "fleet.autoplay_nothing": "The queue ran out and autoplay found nothing new to play. Add songs with `/play`.",
    # the audio fleet
    "fleet.queue_full": "The queue is full: this server's plan allows {limit} songs. Use `/premium upgrade` for a longer queue.",
    "fleet.playlist_trimmed": "Only {added} of {total} songs fit in the queue (this server's plan allows {limit}).",
    "fleet.queued_next": "Queued {track} to play next.",
    "fleet.history_empty": "Nothing has played yet.",
    "fleet.history_title": "Recently played (newest first):",
    "fleet.vote_counted": "Your vote to skip {track} counts: {votes}/{needed} votes.",
    "fleet.vote_repeated": "You already voted to skip this song: {votes}/{needed} votes.",
    "fleet.vote_passed": "Vote passed ({votes}/{needed}). {result}",
    "fleet.search_pick": "Pick a result for `{query}`:",
    "fleet.search_placeholder": "Choose a song",
    "fleet.search_expired": "Those search results have expired. Use `/search` again.",
    "fleet.always_on": "24/7 is on: I'll stay in {channel} even when nobody is listening.",
    "fleet.always_off": "24/7 is off: I'll leave when the channel is empty or the music has stopped for a while.",
    "fleet.announce": "🎶 Now playing {track}, requested by {requester}",
    "fleet.announce_autoplay": "🎶 Now playing {track}",
    "fleet.left_alone": "I left {channel} because nobody was listening.",
    "fleet.left_idle": "I left {channel} because the music had stopped.",
    "fleet.left_kicked": "I was disconnected from {channel}, so the music stopped and the queue was cleared. Use /play to start again.",
    "billing.usage_warning": "This server has used {used} of its {limit} tracks this month ({threshold}%). Upgrade with `/premium` to play more.",
    "billing.usage_limit": "This server has used all {limit} of its tracks this month. Upgrade with `/premium` to keep playing.",
}

COMMANDS: Final[Mapping[str, str]] = {}
