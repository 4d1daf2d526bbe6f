"""The player, wired for one fleet task: every player command handler, and what watches the players.

:class:`PlayerService` builds ``/play``, ``/search`` (and its picker), ``/history``, ``/247``, the
controls of :class:`~audio_fleet.player_commands.PlayerCommands` with vote-skip, and the observers
the gateway client tells about track and voice changes: :class:`~audio_fleet.presence.Presence`
(inactivity) and :class:`~audio_fleet.announcer.Announcer` (the now-playing message).

Guild tiers come from ``tiers`` (default: the interaction's entitlements; with a database,
:class:`~audio_fleet.tier_lookup.StoredTiers`) decided against ``tier_table`` (the configured
tiers, ENCORE_TIERS), and guild preferences from ``guild_settings`` (default:
:class:`~encore.guild_settings.DefaultGuildSettings`; with a database, the stored settings, which are
also ``modes``, where ``/247`` is kept). ``plays`` (with a database) counts each track start.
"""

from __future__ import annotations

from collections.abc import Mapping

import discord

from audio_fleet.announcer import Announcer, ChannelMessages, DiscordChannelMessages
from audio_fleet.consumer import CommandHandler
from audio_fleet.controls import PlayerControls
from audio_fleet.guild_rules import EnvelopeTiers, TierLookup
from audio_fleet.guild_state import GuildStates
from audio_fleet.history import HistoryCommand
from audio_fleet.play import PlayCommand
from audio_fleet.play_hooks import PlayHooks
from audio_fleet.play_usage import PlayUsage
from audio_fleet.player_commands import PlayerCommands, skip
from audio_fleet.player_events import PlayerObserver
from audio_fleet.premium import FeatureGate
from audio_fleet.presence import AlwaysOnCommand, Presence
from audio_fleet.search import SearchCommand
from audio_fleet.snapshots import SnapshotKeeper
from audio_fleet.vote_skip import VoteSkip
from encore.guild_settings import DefaultGuildSettings, GuildSettingsReader, PlayerModesWriter
from encore.tiers import DEFAULT_TIERS, Tier

__all__ = ["PlayerService"]


class PlayerService:
    def __init__(
        self,
        client: discord.Client,
        keeper: SnapshotKeeper | None = None,
        *,
        sku_tiers: Mapping[int, str] | None = None,
        tiers: TierLookup | None = None,
        guild_settings: GuildSettingsReader | None = None,
        messages: ChannelMessages | None = None,
        alone_timeout_s: float = 120.0,
        idle_timeout_s: float = 300.0,
        play_hooks: PlayHooks,
        tier_table: Mapping[str, Tier] = DEFAULT_TIERS,
        modes: PlayerModesWriter | None = None,
        plays: PlayUsage | None = None,
    ) -> None:
        tier_lookup: TierLookup = tiers or EnvelopeTiers(sku_tiers, tiers=tier_table)
        settings: GuildSettingsReader = guild_settings or DefaultGuildSettings()
        gate = FeatureGate(sku_tiers, tiers=tier_lookup, tier_table=tier_table)
        self._plays = plays
        self.states = GuildStates()
        controls = PlayerControls(client, keeper)
        self.announcer = Announcer(messages or DiscordChannelMessages(client), self.states, settings)
        self.presence = Presence(
            self.states,
            keeper,
            alone_timeout_s=alone_timeout_s,
            idle_timeout_s=idle_timeout_s,
            on_left=self.announcer.left,
            guild_settings=settings if modes is not None else None,
        )
        self._play = PlayCommand(
            client, keeper=keeper, tiers=tier_lookup, guild_settings=settings, hooks=play_hooks
        )
        commands = PlayerCommands(
            controls,
            tiers=tier_lookup,
            skip=VoteSkip(skip, self.states, settings),
            tier_table=tier_table,
        )
        always_on = AlwaysOnCommand(
            self.states,
            gate,
            self.presence,
            guild_settings=settings if modes is not None else None,
            modes=modes,
        )
        self._handlers: dict[str, CommandHandler] = {
            "play": self._play,
            "search": SearchCommand(self._play),
            "history": HistoryCommand(client),
            "247": controls.handler(always_on),
            **commands.handlers(),
        }

    @property
    def observers(self) -> list[PlayerObserver]:
        """What the gateway client tells about track starts and ends and voice changes."""
        observers: list[PlayerObserver] = [self.presence, self.announcer]
        return observers if self._plays is None else [*observers, self._plays]

    def handlers(self) -> dict[str, CommandHandler]:
        """The fleet handlers of every player command, by command name."""
        return dict(self._handlers)

    async def close(self) -> None:
        """Stop the inactivity countdowns; finish counting the plays."""
        await self.presence.close()
        if self._plays is not None:
            await self._plays.close()
