"""The one place the front is wired: settings in, a ready :class:`InteractionsCore` out."""

from __future__ import annotations

import dataclasses
import logging

from encore.errors import SettingsError
from encore.player_snapshot import SnapshotStore
from encore.queue import CommandQueue
from encore.queue.memory import InMemoryQueue
from encore.queue.sqs import SqsCommandQueue, sqs_client
from encore.settings import QueueBackend, Settings
from interactions.api.ports import BillingProvider
from interactions.core import InteractionsCore
from interactions.services import build_services
from interactions.signature import SignatureVerifier
from interactions.stored_prefs import StoredFrontSettings
from interactions.telemetry import FrontTelemetry, NullTelemetry

__all__ = ["build_core", "build_queue"]

log = logging.getLogger(__name__)


def build_queue(settings: Settings) -> CommandQueue:
    if settings.encore_queue is QueueBackend.SQS:
        region, endpoint = settings.aws_region, settings.aws_endpoint_url
        return SqsCommandQueue(
            lambda: sqs_client(region, endpoint), settings.encore_sqs_queue_urls, settings.shard_layout
        )
    return InMemoryQueue(settings.shard_layout)


def build_core(
    settings: Settings,
    queue: CommandQueue | None = None,
    telemetry: FrontTelemetry | None = None,
    snapshots: SnapshotStore | None = None,
    billing: BillingProvider | None = None,
) -> InteractionsCore:
    """Wire the front. ``queue``, ``snapshots`` and ``billing`` override the configured ones (the
    sandbox shares its own with the fleet in the same process)."""
    if settings.discord_public_key is None:
        raise SettingsError("DISCORD_PUBLIC_KEY", "required to verify Discord's requests")
    verifier = SignatureVerifier(settings.discord_public_key)
    chosen = queue if queue is not None else build_queue(settings)
    reported = telemetry or NullTelemetry()

    def redis_fallback(error: Exception) -> None:
        log.warning("Redis unavailable, answering from in-process state: %s", error)
        reported.rejected("redis_fallback")

    services = build_services(settings, chosen, on_redis_fallback=redis_fallback)
    if snapshots is not None:
        services = dataclasses.replace(services, snapshots=snapshots)
    if billing is not None:
        services = dataclasses.replace(services, billing=billing)
    # With a database, the guilds' stored settings (DJ role, language, ...); else the defaults.
    prefs = StoredFrontSettings(services.billing) if services.billing is not None else None
    return InteractionsCore(verifier, services, guild_settings=prefs, telemetry=reported)
