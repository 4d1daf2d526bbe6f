"""``/skip`` and the skip button for everyone: DJs skip at once, other listeners vote.

A DJ (:func:`~audio_fleet.guild_rules.caller_is_dj`), the listener who asked for the song, or anyone
when the guild's vote-skip ratio is 0 skips straight away. Otherwise each listener's ``/skip`` is a
vote for the song playing now, and the song is skipped once the votes reach the guild's ratio of
the listeners in the voice channel (bots not counted; votes of those who left no longer count).
Skipping ahead (``/skip to``) is for DJs only.
"""

from __future__ import annotations

import math

import discord
import wavelink

from audio_fleet.controls import MSG_NOTHING_PLAYING, PlayerAction, label
from audio_fleet.guild_rules import caller_is_dj
from audio_fleet.guild_state import GuildStates
from audio_fleet.player_queue import requester_of
from encore.envelope import CommandEnvelope
from encore.guild_settings import GuildSettingsReader
from encore.i18n import translate

__all__ = ["VoteSkip", "listeners", "votes_needed"]


def votes_needed(listener_count: int, ratio_percent: int) -> int:
    """Votes that skip a song: ``ratio_percent`` of the listeners, rounded up, at least 1."""
    return max(1, math.ceil(listener_count * ratio_percent / 100))


def listeners(channel: discord.abc.GuildChannel | None, bot_id: int | None) -> set[int]:
    """The people (not bots) in ``channel``, by user id, from the gateway's voice states."""
    if not isinstance(channel, discord.VoiceChannel | discord.StageChannel):
        return set()
    people: set[int] = set()
    for user_id in channel.voice_states:
        member = channel.guild.get_member(user_id)
        if user_id != bot_id and not (member is not None and member.bot):
            people.add(user_id)
    return people


class VoteSkip:
    def __init__(self, skip: PlayerAction, states: GuildStates, guild_settings: GuildSettingsReader) -> None:
        self._skip = skip
        self._states = states
        self._guild_settings = guild_settings

    async def __call__(self, player: wavelink.Player, envelope: CommandEnvelope) -> str:
        current = player.current
        if current is None:
            return MSG_NOTHING_PLAYING
        prefs = await self._guild_settings.get(envelope.guild_id)
        dj = caller_is_dj(envelope, prefs)
        if "to" in envelope.options and not dj:
            return translate("front.dj_only", envelope.locale)
        if dj or prefs.vote_skip_ratio == 0 or requester_of(current) == envelope.user_id:
            return await self._skip(player, envelope)
        bot = player.client.user
        people = listeners(player.channel, bot.id if bot is not None else None)
        needed = votes_needed(len(people), prefs.vote_skip_ratio)
        votes = self._states.get(envelope.guild_id).votes_for(current.encoded)
        votes &= people
        if envelope.user_id in votes:
            return translate("fleet.vote_repeated", envelope.locale, votes=len(votes), needed=needed)
        votes.add(envelope.user_id)
        if len(votes) < needed:
            return translate(
                "fleet.vote_counted", envelope.locale, track=label(current), votes=len(votes), needed=needed
            )
        result = await self._skip(player, envelope)
        return translate("fleet.vote_passed", envelope.locale, votes=len(votes), needed=needed, result=result)
