"""What the front needs from the billing service, and how it gets one without paying for it up front.

:class:`Billing` is the part of :class:`encore.billing.service.BillingService` the HTTP layer and
the front's tier check call. :class:`DatabaseBilling` builds the service (and its database) from
the settings on the first call that needs it, so a Lambda container that is only ever built, or
only answers PINGs, never imports SQLAlchemy. This module imports neither SQLAlchemy nor FastAPI.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Literal, Protocol

from encore.billing.views import (
    Actor,
    ChangeView,
    EntitlementEvent,
    GuildSettingsPatch,
    GuildSettingsView,
    IdempotencyRequest,
    LedgerPage,
    PlaylistDetailView,
    PlaylistView,
    SubscriptionView,
    TrackInput,
    UsageView,
)
from encore.settings import Settings
from encore.tiers import Tier

if TYPE_CHECKING:
    from encore.db.database import Database

__all__ = ["Billing", "BillingProvider", "DatabaseBilling"]


class Billing(Protocol):
    async def get_subscription(self, guild_id: int) -> SubscriptionView: ...
    async def start_trial(
        self, guild_id: int, tier: str, actor: Actor, idempotency: IdempotencyRequest | None = None
    ) -> SubscriptionView: ...
    async def change_plan(
        self,
        guild_id: int,
        tier: str,
        when: Literal["now", "period_end"],
        actor: Actor,
        idempotency: IdempotencyRequest | None = None,
    ) -> ChangeView: ...
    async def cancel(
        self,
        guild_id: int,
        actor: Actor,
        idempotency: IdempotencyRequest | None = None,
        at_period_end: bool = True,
    ) -> SubscriptionView: ...
    async def reactivate(
        self, guild_id: int, actor: Actor, idempotency: IdempotencyRequest | None = None
    ) -> SubscriptionView: ...
    async def usage(self, guild_id: int) -> UsageView: ...
    async def ledger(self, guild_id: int, cursor: str | None = None, limit: int = 50) -> LedgerPage: ...
    async def get_settings(self, guild_id: int) -> GuildSettingsView: ...
    async def patch_settings(
        self,
        guild_id: int,
        patch: GuildSettingsPatch,
        actor: Actor,
        idempotency: IdempotencyRequest | None = None,
    ) -> GuildSettingsView: ...
    async def list_playlists(self, guild_id: int) -> list[PlaylistView]: ...
    async def create_playlist(
        self, guild_id: int, name: str, actor: Actor, idempotency: IdempotencyRequest | None = None
    ) -> PlaylistView: ...
    async def get_playlist(self, guild_id: int, playlist_id: int) -> PlaylistDetailView: ...
    async def delete_playlist(self, guild_id: int, playlist_id: int, actor: Actor) -> None: ...
    async def add_playlist_tracks(
        self,
        guild_id: int,
        playlist_id: int,
        tracks: Sequence[TrackInput],
        actor: Actor,
        idempotency: IdempotencyRequest | None = None,
    ) -> PlaylistDetailView: ...
    async def apply_entitlement_event(self, event: EntitlementEvent) -> None: ...
    async def tier_of(self, guild_id: int) -> Tier: ...


BillingProvider = Callable[[], Awaitable[Billing]]


def _utcnow() -> datetime:
    return datetime.now(UTC)


class DatabaseBilling:
    """A :data:`BillingProvider` on ``DATABASE_URL``: the service is built on the first call
    (concurrent first calls share the one build)."""

    def __init__(self, settings: Settings, clock: Callable[[], datetime] = _utcnow) -> None:
        self._settings = settings
        self._clock = clock
        self._service: Billing | None = None
        self._database: Database | None = None
        self._lock = asyncio.Lock()

    async def __call__(self) -> Billing:
        if self._service is None:
            async with self._lock:
                if self._service is None:
                    self._service = self._build()
        return self._service

    def database(self) -> Database:
        """The billing database (built with the service)."""
        if self._database is None:
            self._service = self._build()
        assert self._database is not None
        return self._database

    def _build(self) -> Billing:
        from encore.billing.service import BillingService
        from encore.db.database import Database
        from encore.redis_client import lazy_redis_from_url

        settings = self._settings
        self._database = Database(
            settings.database_url,
            read_url=settings.database_read_url,
            pool_size=settings.database_pool_size,
            max_overflow=settings.database_max_overflow,
        )
        # The fleets read tiers through the same Redis cache: a change made here must invalidate it there.
        return BillingService(
            self._database,
            self._clock,
            tiers=settings.tiers,
            sku_tiers=settings.encore_sku_tiers,
            redis=lazy_redis_from_url(settings.redis_url),
        )
