"""What the fleet does when Lavalink reports a track failing while it plays.

* TrackExceptionEvent: Lavalink ends the track (``loadFailed``) and the player moves on by itself;
  the listeners are told which song failed and why, in words they can act on.
* TrackStuckEvent: the track stays loaded but sends no audio: it is skipped, and the listeners told.

Listeners are told through a follow-up to the guild's latest command (interaction tokens accept
follow-ups for 15 minutes; later problems are only logged). Metrics: ``TrackExceptions`` and
``TrackStuck`` by ``Source``.
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

from audio_fleet.formatting import track_label
from audio_fleet.track_errors import TrackProblem, classify, explain, source_of
from encore.envelope import CommandEnvelope
from encore.i18n import translate
from encore.metrics import MetricsSink, NullSink

__all__ = ["FOLLOWUP_WINDOW_S", "PlaybackErrors", "PlaybackNotices"]

log = logging.getLogger(__name__)

#: Discord accepts follow-ups for 15 minutes after the interaction; keep a safety margin.
FOLLOWUP_WINDOW_S: Final = 14 * 60.0


@dataclass(frozen=True, slots=True)
class _Contact:
    application_id: int
    token: str
    locale: str
    received_at: float


class PlaybackNotices:
    """Tells a guild's listeners about playback problems, as a follow-up to their latest command."""

    def __init__(self, session: aiohttp.ClientSession, *, clock: Callable[[], float] = time.time) -> None:
        self._session = session
        self._clock = clock
        self._contacts: dict[int, _Contact] = {}

    def remember(self, envelope: CommandEnvelope) -> None:
        """Use ``envelope``'s interaction for this guild's next notices."""
        self._contacts[envelope.guild_id] = _Contact(
            envelope.application_id,
            envelope.interaction_token,
            envelope.guild_locale or envelope.locale,
            envelope.received_at.timestamp(),
        )

    def locale(self, guild_id: int) -> str | None:
        contact = self._contacts.get(guild_id)
        return contact.locale if contact is not None else None

    async def tell(self, guild_id: int, text: str) -> bool:
        """Post ``text`` for the guild's listeners; False when there is no live interaction to use."""
        contact = self._contacts.get(guild_id)
        if contact is None or self._clock() - contact.received_at > FOLLOWUP_WINDOW_S:
            log.info("guild %s: nobody to tell: %s", guild_id, text)
            return False
        adapter = async_context.get()
        try:
            await adapter.execute_webhook(
                contact.application_id,
                contact.token,
                session=self._session,
                payload={"content": text, "allowed_mentions": {"parse": []}},
            )
        except discord.HTTPException as exc:
            log.warning("guild %s: the notice could not be posted: %s", guild_id, exc)
            return False
        return True


class PlaybackErrors:
    """Handles TrackException and TrackStuck events (the client forwards them)."""

    def __init__(self, notices: PlaybackNotices | None, *, metrics: MetricsSink | None = None) -> None:
        self._notices = notices
        self._metrics = metrics or NullSink()

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
