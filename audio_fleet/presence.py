"""When the player leaves on its own: alone in voice, or idle; and ``/247``, which keeps it there.

:class:`Presence` watches each guild's player (it is a
:class:`~audio_fleet.player_events.PlayerObserver`): with no listener left in the channel (bots do
not count) it leaves after ``alone_timeout_s``; with nothing playing and nothing queued, after
``idle_timeout_s``. Someone joining or a song starting cancels the countdown. ``/247`` (premium)
turns this off for the guild. Leaving clears the queue, forgets the snapshot and edits the
now-playing announcement; so does being disconnected by Discord (a moderator's "Disconnect", the
channel deleted: event ``disconnected``), after which a later ``/play`` joins afresh.

``/247`` is kept in the guild's stored settings (a :class:`~encore.guild_settings.PlayerModesWriter`)
when the fleet has a database: before leaving, :class:`Presence` asks the stored settings, so a
player restored by a new fleet task (restart, shard-group handoff) stays in voice too.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Literal

import wavelink

from audio_fleet.guild_state import GuildStates
from audio_fleet.player_events import PlayerEvent
from audio_fleet.premium import FeatureGate
from audio_fleet.snapshots import SnapshotKeeper
from audio_fleet.vote_skip import listeners
from encore.envelope import CommandEnvelope
from encore.guild_settings import GuildSettingsReader, PlayerModesWriter
from encore.i18n import translate
from encore.tiers import Feature

__all__ = ["AlwaysOnCommand", "LeaveReason", "Presence"]

log = logging.getLogger(__name__)

#: ``kicked``: Discord took the bot out of voice (a moderator's disconnect, the channel deleted).
LeaveReason = Literal["alone", "idle", "kicked"]
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
        guild_settings: GuildSettingsReader | None = None,
    ) -> None:
        """``guild_settings`` (the stored ones) may say ``/247`` is on for a guild this task
        did not see turned on."""
        self._states = states
        self._settings = guild_settings
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
        if event == "disconnected":
            await self.kicked(player)
            return
        self.watch(player)

    async def kicked(self, player: wavelink.Player) -> None:
        """Discord took the bot out of voice; wavelink already destroyed the player on Lavalink.
        Like ``/leave``: the queue is cleared, the snapshot forgotten (nothing is restored into a
        channel a moderator removed the bot from), the announcement says so."""
        guild = player.guild
        if guild is None:
            return
        self._cancel(guild.id)
        channel = player.channel.mention if player.channel is not None else "the voice channel"
        log.info("guild %s: disconnected from voice by Discord, queue cleared", guild.id)
        await self._after_leaving(player, guild.id, channel, "kicked")

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
        if await self._stored_always_on(guild.id, player):
            return
        channel = player.channel.mention if player.channel is not None else "the voice channel"
        log.info("leaving voice in guild %s: %s", guild.id, reason)
        self._timers.pop(guild.id, None)
        try:
            player.queue.reset()
            await player.disconnect()
        except Exception:
            log.exception("leaving voice in guild %s failed", guild.id)
        await self._after_leaving(player, guild.id, channel, reason)

    async def _after_leaving(
        self, player: wavelink.Player, guild_id: int, channel: str, reason: LeaveReason
    ) -> None:
        try:
            player.queue.reset()
            if self._keeper is not None:
                await self._keeper.forget(guild_id)
            if self._on_left is not None:
                await self._on_left(guild_id, channel, reason)
        except Exception:
            log.exception("cleaning up after leaving voice in guild %s failed", guild_id)
        finally:
            self._states.forget(guild_id)

    async def _stored_always_on(self, guild_id: int, player: wavelink.Player) -> bool:
        """Whether the stored settings keep the guild in voice (asked each time: another task or
        the API may have changed them). When they cannot be read, the player stays and the
        countdown starts over."""
        if self._settings is None:
            return False
        try:
            stored = (await self._settings.get(guild_id)).always_on
        except Exception:
            log.warning("guild %s: stored settings unavailable; staying for now", guild_id, exc_info=True)
            self._timers.pop(guild_id, None)
            self.watch(player)
            return True
        if stored:
            self._timers.pop(guild_id, None)
        return stored

    async def close(self) -> None:
        timers = [task for _, task in self._timers.values()]
        self._timers.clear()
        for task in timers:
            task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.gather(*timers, return_exceptions=True)


class AlwaysOnCommand:
    """``/247 [mode:on|off]``: staying in the channel around the clock, on, off, or switched when no
    mode is given. Turning it on is premium (the refusal is the upgrade prompt with Discord's premium
    button); turning it off never is. The choice is stored through ``modes`` when given, so the
    guild's next fleet owner keeps it; the stored settings only say it is on while the guild's tier
    allows it (:class:`~encore.billing.preferences.StoredGuildSettings` with its tier lookup)."""

    def __init__(
        self,
        states: GuildStates,
        gate: FeatureGate,
        presence: Presence,
        *,
        guild_settings: GuildSettingsReader | None = None,
        modes: PlayerModesWriter | None = None,
    ) -> None:
        self._states = states
        self._gate = gate
        self._presence = presence
        self._settings = guild_settings
        self._modes = modes

    async def _is_on(self, guild_id: int) -> bool:
        if self._settings is None or self._modes is None:
            return self._states.get(guild_id).always_on
        return (await self._settings.get(guild_id)).always_on

    async def __call__(self, player: wavelink.Player, envelope: CommandEnvelope) -> str:
        mode = envelope.options.get("mode")
        turn_on = mode == "on" if mode in ("on", "off") else not await self._is_on(envelope.guild_id)
        if turn_on:
            refusal = await self._gate.refusal(envelope, Feature.ALWAYS_ON)
            if refusal is not None:
                return refusal
        if self._modes is not None:
            # Stored: the stored settings are the truth (Presence asks them before leaving).
            await self._modes.set_always_on(envelope.guild_id, turn_on)
        else:
            self._states.get(envelope.guild_id).always_on = turn_on
        self._presence.watch(player)
        if turn_on:
            channel = player.channel.mention if player.channel is not None else ""
            return translate("fleet.always_on", envelope.locale, channel=channel)
        return translate("fleet.always_off", envelope.locale)
