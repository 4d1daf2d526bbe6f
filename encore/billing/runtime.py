"""Opening billing for a process: the database from the settings, migrated when it is the embedded
SQLite default, and the :class:`BillingService` on it with the configured tiers.

A fresh machine needs no setup: with ``DATABASE_URL`` unset the database is an SQLite file
(``./encore.db``) that is created and migrated on start. A configured database (PostgreSQL in
production) is migrated by ``encore migrate`` / ``make migrate`` as a deploy step, never implicitly.

With ``REDIS_URL`` set, the service's tier cache is shared through that Redis: a tier change made by
one process (the scheduled job, a fleet task) drops the cached tier for every other process at once,
instead of each process keeping its own copy until it expires.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy.exc import SQLAlchemyError

from encore.billing.service import BillingService, Clock
from encore.db.database import Database, DatabaseUnavailableError
from encore.db.migrate import upgrade
from encore.metrics import MetricsSink
from encore.redis_client import redis_from_url
from encore.settings import Settings

if TYPE_CHECKING:
    from redis.asyncio import Redis

__all__ = ["OpenBilling", "database_from", "open_billing", "uses_embedded_database"]


def _utcnow() -> datetime:
    return datetime.now(UTC)


def uses_embedded_database(settings: Settings) -> bool:
    """``DATABASE_URL`` unset (or set to an SQLite file): the embedded database, migrated on start."""
    return "database_url" not in settings.model_fields_set or settings.database_url.startswith("sqlite")


def database_from(settings: Settings) -> Database:
    return Database(
        settings.database_url,
        read_url=settings.database_read_url,
        pool_size=settings.database_pool_size,
        max_overflow=settings.database_max_overflow,
    )


@dataclass(frozen=True, slots=True)
class OpenBilling:
    service: BillingService
    database: Database
    #: The Redis client opened for the tier cache (from ``REDIS_URL``), closed with the database.
    redis: Redis | None = None

    async def close(self) -> None:
        try:
            await self.database.dispose()
        finally:
            if self.redis is not None:
                await self.redis.aclose()


async def open_billing(
    settings: Settings,
    *,
    database: Database | None = None,
    clock: Clock | None = None,
    redis: Redis | None = None,
    metrics: MetricsSink | None = None,
    migrate: bool | None = None,
) -> OpenBilling:
    """The billing service on ``database`` (default: from the settings). ``migrate`` (default: only
    for the embedded SQLite database) upgrades the schema to the latest first; a database that cannot
    be opened for it raises :class:`DatabaseUnavailableError`. The tier cache uses
    ``redis`` when given, else a client for ``REDIS_URL`` when set (closed by
    :meth:`OpenBilling.close`), else this process's memory only."""
    db = database if database is not None else database_from(settings)
    try:
        if migrate if migrate is not None else uses_embedded_database(settings):
            await upgrade(db)
    except BaseException as exc:
        if database is None:
            await db.dispose()
        if isinstance(exc, OSError | SQLAlchemyError):
            raise DatabaseUnavailableError(db.url, exc) from exc
        raise
    owned = redis_from_url(settings.redis_url) if redis is None else None
    chosen: Callable[[], datetime] = clock or _utcnow
    service = BillingService(
        db, chosen, settings.tiers, settings.encore_sku_tiers, redis=redis or owned, metrics=metrics
    )
    return OpenBilling(service, db, owned)
