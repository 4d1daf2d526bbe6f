"""When the player leaves on its own: alone in voice, or idle; and ``/247``, which keeps it there.

:class:`Presence` watches each guild's player (it is a
:class:`~audio_fleet.player_events.PlayerObserver`): with no listener left in the channel (bots do
not count) it leaves after ``alone_timeout_s``; with nothing playing and nothing queued, after
``idle_timeout_s``. Someone joining or a song starting cancels the countdown. ``/247`` (premium)
turns this off for the guild. Leaving clears the queue, forgets the snapshot and edits the
now-playing announcement.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Literal

import wavelink

from audio_fleet.guild_rules import TierLookup
from audio_fleet.guild_state import GuildStates
from audio_fleet.player_events import PlayerEvent
from audio_fleet.snapshots import SnapshotKeeper
from audio_fleet.vote_skip import listeners
from encore.entitlements import decide
from encore.envelope import CommandEnvelope
from encore.i18n import translate
from encore.tiers import Feature

__all__ = ["AlwaysOnCommand", "LeaveReason", "Presence"]

log = logging.getLogger(__name__)

LeaveReason = Literal["alone", "idle"]
#: Told after the player left on its own: (guild id, voice channel mention, why).
OnLeft = Callable[[int, str, LeaveReason], Awaitable[None]]


class Presence:
    def __init__(
        self,
        states: GuildStates,
        keeper: SnapshotKeeper | None = None,
        *,
        alone_timeout_s: float = 120.0,
        idle_timeout_s: float = 300.0,
        on_left: OnLeft | None = None,
    ) -> None:
        self._states = states
        self._keeper = keeper
        self._timeouts: dict[LeaveReason, float] = {"alone": alone_timeout_s, "idle": idle_timeout_s}
        self._on_left = on_left
        self._timers: dict[int, tuple[LeaveReason, asyncio.Task[None]]] = {}

    @staticmethod
    def reason_to_leave(player: wavelink.Player) -> LeaveReason | None:
        if player.channel is None:
            return None
        bot = player.client.user
        if not listeners(player.channel, bot.id if bot is not None else None):
            return "alone"
        if player.current is None and not player.queue:
            return "idle"
        return None

    async def player_changed(self, player: wavelink.Player, event: PlayerEvent) -> None:
        self.watch(player)

    def watch(self, player: wavelink.Player) -> None:
        """Start, keep or cancel the guild's countdown to leave, as its player's state says."""
        guild = player.guild
        if guild is None:
            return
        reason = None if self._states.get(guild.id).always_on else self.reason_to_leave(player)
        running = self._timers.get(guild.id)
        if running is not None and running[0] == reason and not running[1].done():
            return
        self._cancel(guild.id)
        if reason is not None:
            task = asyncio.create_task(self._leave_later(player, reason), name=f"leave-{guild.id}")
            self._timers[guild.id] = (reason, task)

    def _cancel(self, guild_id: int) -> None:
        running = self._timers.pop(guild_id, None)
        if running is not None and running[1] is not asyncio.current_task():
            running[1].cancel()

    async def _leave_later(self, player: wavelink.Player, reason: LeaveReason) -> None:
        await asyncio.sleep(self._timeouts[reason])
        guild = player.guild
        if guild is None or guild.voice_client is not player:
            return
        if self._states.get(guild.id).always_on or self.reason_to_leave(player) != reason:
            return
        channel = player.channel.mention if player.channel is not None else "the voice channel"
        log.info("leaving voice in guild %s: %s", guild.id, reason)
        self._timers.pop(guild.id, None)
        try:
            player.queue.reset()
            await player.disconnect()
            if self._keeper is not None:
                await self._keeper.forget(guild.id)
            if self._on_left is not None:
                await self._on_left(guild.id, channel, reason)
        except Exception:
            log.exception("leaving voice in guild %s failed", guild.id)
        finally:
            self._states.forget(guild.id)

    async def close(self) -> None:
        timers = [task for _, task in self._timers.values()]
        self._timers.clear()
        for task in timers:
            task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.gather(*timers, return_exceptions=True)


class AlwaysOnCommand:
    """``/247``: toggles staying in the channel around the clock (a premium feature)."""

    def __init__(self, states: GuildStates, tiers: TierLookup, presence: Presence) -> None:
        self._states = states
        self._tiers = tiers
        self._presence = presence

    async def __call__(self, player: wavelink.Player, envelope: CommandEnvelope) -> str:
        decision = decide(await self._tiers(envelope), Feature.ALWAYS_ON)
        if not decision.allowed:
            if decision.upgrade_to is None:
                return translate("front.premium_unavailable", envelope.locale)
            return translate("front.premium_required", envelope.locale, tier=decision.upgrade_to.display_name)
        state = self._states.get(envelope.guild_id)
        state.always_on = not state.always_on
        self._presence.watch(player)
        if state.always_on:
            channel = player.channel.mention if player.channel is not None else ""
            return translate("fleet.always_on", envelope.locale, channel=channel)
        return translate("fleet.always_off", envelope.locale)
