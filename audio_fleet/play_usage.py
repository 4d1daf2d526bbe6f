"""Each track start counted: play history and the period's usage in billing, and the usage warnings
(80% and 100% of the tier's tracks) posted in the guild's announce channel, once per threshold.

:class:`PlayUsage` is a :class:`~audio_fleet.player_events.PlayerObserver`. Recording runs in the
background (the database never delays the music or the other observers); a failure is logged and
counted (``DatabaseErrors``). A warning that cannot be posted now stays pending for the scheduled
job (``encore billing-jobs`` / the scheduled Lambda) to post. A start that replays one already
counted (a restored player, a node move: :mod:`~audio_fleet.track_starts`) is not counted again.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Protocol

import wavelink

from audio_fleet.player_events import PlayerEvent
from audio_fleet.player_queue import requester_of
from audio_fleet.track_starts import current_start
from encore.billing.views import UsageWarningView
from encore.guild_settings import GuildSettingsReader
from encore.metrics import MetricsSink, NullSink
from encore.usage_warnings import MessagePoster, UsageWarningSender

__all__ = ["PlayRecorder", "PlayUsage"]

log = logging.getLogger(__name__)


class PlayRecorder(Protocol):
    """The part of ``BillingService`` that counts plays."""

    async def record_play(
        self, guild_id: int, title: str, uri: str, requested_by: int | None
    ) -> list[UsageWarningView]: ...

    async def mark_usage_warning_sent(self, warning_id: int) -> None: ...


class PlayUsage:
    def __init__(
        self,
        recorder: PlayRecorder,
        poster: MessagePoster,
        guild_settings: GuildSettingsReader | None = None,
        metrics: MetricsSink | None = None,
    ) -> None:
        self._recorder = recorder
        self._settings = guild_settings
        self._send = UsageWarningSender(poster, self._language if guild_settings is not None else None)
        self._metrics: MetricsSink = metrics or NullSink()
        self._running: set[asyncio.Task[None]] = set()

    async def player_changed(self, player: wavelink.Player, event: PlayerEvent) -> None:
        track = player.current
        guild = player.guild
        if event != "track_start" or track is None or guild is None:
            return
        start = current_start(player)
        if start is not None and start.replay:
            log.debug("guild %s: %r replayed, already counted", guild.id, track.identifier)
            return
        task = asyncio.create_task(self.record(guild.id, track), name=f"play-usage-{guild.id}")
        self._running.add(task)
        task.add_done_callback(self._running.discard)

    async def record(self, guild_id: int, track: wavelink.Playable) -> None:
        """Count ``track`` for the guild and post any warning that became due."""
        try:
            warnings = await self._recorder.record_play(
                guild_id, track.title, track.uri or track.identifier, requester_of(track)
            )
        except Exception:
            self._metrics.emit("DatabaseErrors", 1)
            log.exception("guild %s: could not record the play of %r", guild_id, track.identifier)
            return
        for warning in warnings:
            try:
                await self._send(warning)
                await self._recorder.mark_usage_warning_sent(warning.id)
            except Exception:
                log.warning("guild %s: usage warning %s left for the scheduled job", guild_id, warning.id)
                continue
            self._metrics.emit("UsageWarnings", 1, Threshold=str(warning.threshold))

    async def _language(self, guild_id: int) -> str | None:
        assert self._settings is not None
        try:
            return (await self._settings.get(guild_id)).language
        except Exception:
            return None

    async def idle(self) -> None:
        """Wait for the recordings in flight (tests, and closing)."""
        while self._running:
            await asyncio.gather(*list(self._running), return_exceptions=True)

    async def close(self) -> None:
        await self.idle()
