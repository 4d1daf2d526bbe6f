"""The one place the front is wired: settings in, a ready :class:`InteractionsCore` out."""

from __future__ import annotations

from encore.errors import SettingsError
from encore.queue import CommandQueue
from encore.queue.memory import InMemoryQueue
from encore.queue.sqs import SqsCommandQueue, sqs_client
from encore.settings import QueueBackend, Settings
from interactions.core import InteractionsCore
from interactions.signature import SignatureVerifier
from interactions.telemetry import FrontTelemetry

__all__ = ["build_core", "build_queue"]


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
) -> InteractionsCore:
    """Wire the front. ``queue`` overrides the configured one (the sandbox shares its own)."""
    if settings.discord_public_key is None:
        raise SettingsError("DISCORD_PUBLIC_KEY", "required to verify Discord's requests")
    verifier = SignatureVerifier(settings.discord_public_key)
    chosen = queue if queue is not None else build_queue(settings)
    return InteractionsCore(verifier, chosen, telemetry=telemetry)
