"""The front app of a process that runs the fleet too (``make run``, ``encore run``): one billing
service shared by the front's tier check, the REST billing API and the fleet, so a change through
the API is seen everywhere at once."""

from __future__ import annotations

from encore.billing.service import BillingService
from encore.player_snapshot import SnapshotStore
from encore.queue import CommandQueue
from encore.settings import Settings
from interactions.api.ports import Billing
from interactions.api.wiring import DatabaseAdminKeys, build_api_services
from interactions.app import FrontApp, create_app
from interactions.bootstrap import build_core

__all__ = ["front_app"]


def front_app(
    settings: Settings,
    queue: CommandQueue,
    billing: BillingService | None,
    *,
    snapshots: SnapshotStore | None = None,
) -> FrontApp:
    """The front on ``queue``; with ``billing``, its tier check and REST API use that service."""
    if billing is None:
        return create_app(build_core(settings, queue, snapshots=snapshots), settings=settings)
    service = billing

    async def provide() -> Billing:
        return service

    core = build_core(settings, queue, snapshots=snapshots, billing=provide)
    admin_keys = DatabaseAdminKeys(lambda: service.database)
    api = build_api_services(settings, core.verifier, billing=provide, admin_keys=admin_keys)
    return create_app(core, settings=settings, api=api)
