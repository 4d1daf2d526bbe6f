"""The extra player features, wired for one fleet task: ``/filter``, ``/lyrics`` and ``/autoplay``.

Effects and autoplay are premium (:class:`~audio_fleet.premium.FeatureGate`, which answers with the
upgrade prompt and Discord's premium button, decided against ``tier_table``, the configured tiers);
lyrics depend on the node's LavaLyrics plugin. With stored settings, autoplay reads the guild's
genre preferences and keeps its on/off in ``modes``.
"""

from __future__ import annotations

from collections.abc import Mapping

from audio_fleet.announcer import ChannelMessages, DiscordChannelMessages
from audio_fleet.autoplay import Autoplay, AutoplayCommand
from audio_fleet.consumer import CommandHandler
from audio_fleet.controls import PlayerControls
from audio_fleet.discord_client import FleetClient
from audio_fleet.filters import FilterCommand
from audio_fleet.guild_rules import TierLookup
from audio_fleet.lyrics import LyricsCommand
from audio_fleet.premium import FeatureGate
from audio_fleet.snapshots import SnapshotKeeper
from encore.guild_settings import GuildSettingsReader, PlayerModesWriter
from encore.tiers import DEFAULT_TIERS, Tier

__all__ = ["FeatureService"]


class FeatureService:
    def __init__(
        self,
        client: FleetClient,
        keeper: SnapshotKeeper | None = None,
        *,
        sku_tiers: Mapping[int, str] | None = None,
        tiers: TierLookup | None = None,
        messages: ChannelMessages | None = None,
        tier_table: Mapping[str, Tier] = DEFAULT_TIERS,
        guild_settings: GuildSettingsReader | None = None,
        modes: PlayerModesWriter | None = None,
    ) -> None:
        controls = PlayerControls(client, keeper)
        gate = FeatureGate(sku_tiers, tiers=tiers, tier_table=tier_table)
        self.autoplay = Autoplay(
            messages or DiscordChannelMessages(client), controls, guild_settings=guild_settings, modes=modes
        )
        client.track_end_listeners.append(self.autoplay.track_ended)
        self._handlers: dict[str, CommandHandler] = {
            **FilterCommand(controls, gate).handlers(),
            **LyricsCommand(controls, gate).handlers(),
            **AutoplayCommand(self.autoplay, gate).handlers(),
        }

    def handlers(self) -> dict[str, CommandHandler]:
        """The fleet handlers of ``/filter``, ``/lyrics`` and ``/autoplay``, by command name."""
        return dict(self._handlers)

    async def close(self) -> None:
        """Stop autoplay searches still running."""
        await self.autoplay.close()
