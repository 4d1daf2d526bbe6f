"""What the fleet takes from billing when it has a database: the stored tier of each guild, its
stored settings (also where ``/247`` and ``/autoplay`` are kept) and the play counter.

:class:`FleetBilling` wraps one :class:`~encore.billing.service.BillingService`; ``AudioFleet``
passes its parts to every player and feature service it builds.
"""

from __future__ import annotations

from collections.abc import Mapping

from audio_fleet.play_usage import PlayUsage
from audio_fleet.tier_lookup import StoredTiers
from encore.billing.preferences import StoredGuildSettings
from encore.billing.runtime import OpenBilling, open_billing
from encore.billing.service import BillingService
from encore.metrics import MetricsSink, NullSink
from encore.settings import Settings
from encore.tiers import DEFAULT_TIERS, Tier
from encore.usage_warnings import MessagePoster

__all__ = ["FleetBilling", "open_fleet_billing"]


class FleetBilling:
    def __init__(
        self,
        service: BillingService,
        sku_tiers: Mapping[int, str] | None = None,
        *,
        tiers: Mapping[str, Tier] = DEFAULT_TIERS,
        metrics: MetricsSink | None = None,
        settings_ttl_s: float = 5.0,
        tier_timeout_s: float = 2.0,
    ) -> None:
        """``tiers`` is the configured table (``settings.tiers``, ENCORE_TIERS)."""
        self.service = service
        self.metrics: MetricsSink = metrics or NullSink()
        self.tiers = StoredTiers(
            service.tier_of, sku_tiers, tiers=tiers, metrics=self.metrics, timeout_s=tier_timeout_s
        )
        # 24/7 and autoplay count only while the guild's tier allows them (lost premium: off).
        self.guild_settings = StoredGuildSettings(service, ttl_s=settings_ttl_s, tier_of=self.tiers.of_guild)

    def plays(self, poster: MessagePoster) -> PlayUsage:
        """The track-start observer counting plays and posting usage warnings through ``poster``."""
        return PlayUsage(self.service, poster, self.guild_settings, self.metrics)


async def open_fleet_billing(
    settings: Settings, metrics: MetricsSink | None = None
) -> tuple[FleetBilling, OpenBilling]:
    """Billing for a fleet process from the settings (the embedded SQLite default is migrated
    first); close the second item when the process stops."""
    opened = await open_billing(settings, metrics=metrics)
    fleet = FleetBilling(opened.service, settings.encore_sku_tiers, tiers=settings.tiers, metrics=metrics)
    return fleet, opened
