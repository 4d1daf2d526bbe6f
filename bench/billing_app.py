"""The front as ``bench.billing`` serves it: ``create_app`` on a PostgreSQL schema of the bench's own.

``uvicorn --factory bench.billing_app:create`` with ``DATABASE_URL``, ``BENCH_SCHEMA`` and
``DISCORD_PUBLIC_KEY`` set. It is the deployed app except that the database's search path is the
bench's schema (so a bench run never touches other data on the server).
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

from encore.billing.service import BillingService
from encore.db.database import Database
from encore.settings import load_settings
from interactions.api.ports import Billing
from interactions.api.wiring import DatabaseAdminKeys, build_api_services
from interactions.app import FrontApp, create_app
from interactions.bootstrap import build_core


def create() -> FrontApp:
    settings = load_settings()
    database = Database(
        settings.database_url,
        schema=os.environ["BENCH_SCHEMA"],
        pool_size=settings.database_pool_size,
        max_overflow=settings.database_max_overflow,
    )
    service = BillingService(database, _utcnow, tiers=settings.tiers, sku_tiers=settings.encore_sku_tiers)

    async def billing() -> Billing:
        return service

    core = build_core(settings)
    api = build_api_services(
        settings, core.verifier, billing=billing, admin_keys=DatabaseAdminKeys(lambda: database)
    )
    return create_app(core, settings, api)


def _utcnow() -> datetime:
    return datetime.now(UTC)
