"""What the fleet does when Lavalink reports a track failing while it plays.

* TrackExceptionEvent: Lavalink ends the track (``loadFailed``) and the player moves on by itself;
  the listeners are told which song failed and why, in words they can act on.
* TrackStuckEvent: the track stays loaded but sends no audio: it is skipped, and the listeners told.

Listeners are told through a follow-up to the guild's latest command while its interaction token
accepts follow-ups (15 minutes; 14 with a margin). Later -- or when the follow-up fails, or no
command was seen since the player came back after a restart -- the notice is posted as a bot message
(``POST /channels/{id}/messages``) in the guild's announce channel, else (none set, or it was deleted
or refuses the bot) in the channel the latest command came from; always with
``allowed_mentions: {"parse": []}``. Metrics: ``TrackExceptions`` and ``TrackStuck`` by ``Source``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

import aiohttp
import discord
import wavelink
from discord.webhook.async_ import async_context

from audio_fleet.announcer import ChannelMessages, MessageGoneError
from audio_fleet.formatting import track_label
from audio_fleet.track_errors import TrackProblem, classify, explain, source_of
from encore.envelope import CommandEnvelope
from encore.guild_settings import DefaultGuildSettings, GuildSettingsReader
from encore.i18n import translate
from encore.metrics import MetricsSink, NullSink

__all__ = ["FOLLOWUP_WINDOW_S", "PlaybackErrors", "PlaybackNotices"]

log = logging.getLogger(__name__)

#: Discord accepts follow-ups for 15 minutes after the interaction; keep a safety margin.
FOLLOWUP_WINDOW_S: Final = 14 * 60.0


_NO_MENTIONS: Final[dict[str, list[str]]] = {"parse": []}


@dataclass(frozen=True, slots=True)
class _Contact:
    application_id: int
    token: str
    locale: str
    received_at: float
    channel_id: int


class PlaybackNotices:
    """Tells a guild's listeners about playback problems: a follow-up to their latest command while
    its token is young enough, else a message in the announce channel or the command's channel."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        *,
        messages: ChannelMessages | None = None,
        guild_settings: GuildSettingsReader | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """``messages`` posts in guild channels (None: notices past the follow-up window are only
        logged); ``guild_settings`` gives the announce channel."""
        self._session = session
        self._messages = messages
        self._guild_settings: GuildSettingsReader = guild_settings or DefaultGuildSettings()
        #: What "now" is for the follow-up window (epoch seconds).
        self.clock = clock
        self._contacts: dict[int, _Contact] = {}

    def remember(self, envelope: CommandEnvelope) -> None:
        """Use ``envelope``'s interaction (and channel) for this guild's next notices."""
        self._contacts[envelope.guild_id] = _Contact(
            envelope.application_id,
            envelope.interaction_token,
            envelope.guild_locale or envelope.locale,
            envelope.received_at.timestamp(),
            envelope.channel_id,
        )

    def locale(self, guild_id: int) -> str | None:
        contact = self._contacts.get(guild_id)
        return contact.locale if contact is not None else None

    async def tell(self, guild_id: int, text: str) -> bool:
        """Post ``text`` for the guild's listeners; False when it could not be posted anywhere."""
        contact = self._contacts.get(guild_id)
        fresh = contact is not None and self.clock() - contact.received_at <= FOLLOWUP_WINDOW_S
        if fresh and contact is not None and await self._follow_up(guild_id, contact, text):
            return True
        return await self._post_in_channel(guild_id, contact, text)

    async def _follow_up(self, guild_id: int, contact: _Contact, text: str) -> bool:
        adapter = async_context.get()
        try:
            await adapter.execute_webhook(
                contact.application_id,
                contact.token,
                session=self._session,
                payload={"content": text, "allowed_mentions": _NO_MENTIONS},
            )
        except discord.HTTPException as exc:
            log.warning("guild %s: the notice could not be sent as a follow-up: %s", guild_id, exc)
            return False
        return True

    async def _post_in_channel(self, guild_id: int, contact: _Contact | None, text: str) -> bool:
        """The announce channel first; when it is unset or refuses (deleted, no access), the channel
        the latest command came from."""
        prefs = await self._guild_settings.get(guild_id)
        wanted = (prefs.announce_channel_id, contact.channel_id if contact is not None else None)
        channels = list(dict.fromkeys(c for c in wanted if c is not None))
        if self._messages is None or not channels:
            log.info("guild %s: nowhere to tell: %s", guild_id, text)
            return False
        for channel_id in channels:
            try:
                await self._messages.post(channel_id, {"content": text, "allowed_mentions": _NO_MENTIONS})
            except (discord.HTTPException, MessageGoneError) as exc:
                log.warning("guild %s: the notice could not be posted in %s: %s", guild_id, channel_id, exc)
                continue
            return True
        return False


class PlaybackErrors:
    """Handles TrackException and TrackStuck events (the client forwards them)."""

    def __init__(self, notices: PlaybackNotices | None, *, metrics: MetricsSink | None = None) -> None:
        self._notices = notices
        self._metrics = metrics or NullSink()

    @property
    def notices(self) -> PlaybackNotices | None:
        """Where the listeners are told (None: nowhere, only metrics)."""
        return self._notices

    async def track_exception(self, payload: wavelink.TrackExceptionEventPayload) -> None:
        track = payload.track
        source = source_of(track.uri, track.source)
        self._metrics.emit("TrackExceptions", 1, Source=source)
        player = payload.player
        guild = player.guild if player is not None else None
        if guild is None or self._notices is None:
            return
        exception = payload.exception
        message = exception.get("message")
        problem = classify(message, exception.get("severity"), exception.get("cause"))
        locale = self._notices.locale(guild.id)
        if problem is TrackProblem.UNKNOWN:
            reason = translate("playback.load_failed", locale, reason=_plain(message or "unknown error"))
        else:
            reason = explain(problem, locale, source=source)
        text = translate("playback.track_failed", locale, track=_label(track), reason=reason)
        await self._notices.tell(guild.id, text)

    async def track_stuck(self, payload: wavelink.TrackStuckEventPayload) -> None:
        track = payload.track
        self._metrics.emit("TrackStuck", 1, Source=source_of(track.uri, track.source))
        player = payload.player
        if player is None or player.guild is None:
            return
        current = player.current
        if current is not None and current.encoded != track.encoded:
            return  # already moved on
        try:
            await player.skip(force=True)
        except (wavelink.LavalinkException, wavelink.NodeException, aiohttp.ClientError) as exc:
            log.warning("guild %s: skipping a stuck track failed: %r", player.guild.id, exc)
        if self._notices is not None:
            locale = self._notices.locale(player.guild.id)
            await self._notices.tell(
                player.guild.id, translate("playback.track_stuck", locale, track=_label(track))
            )


def _plain(text: str, limit: int = 200) -> str:
    cleaned = discord.utils.escape_markdown(discord.utils.escape_mentions(text.replace("`", "'")))
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1] + "…"


def _label(track: wavelink.Playable) -> str:
    return track_label(track.title, track.author, track.length, is_stream=track.is_stream)
