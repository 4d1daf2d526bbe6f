"""The one registry of metric names and dimensions that the front, the fleet and billing emit.

Dashboards and alarms (``template.yaml``) may only use names from here; a test cross-checks them,
and another checks that every name here is emitted somewhere in the code.
Metrics are emitted as CloudWatch embedded metric format (EMF) through Powertools Metrics
(:class:`encore.metrics_emf.PowertoolsSink`); code emits through the small :class:`MetricsSink`
interface so tests can record what was emitted (:class:`RecordingSink`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Final, Protocol

__all__ = [
    "METRICS",
    "NAMESPACE",
    "MetricSpec",
    "MetricsSink",
    "NullSink",
    "RecordingSink",
    "Unit",
    "UnknownMetricError",
    "check_metric",
]

NAMESPACE: Final = "Encore"


class Unit(StrEnum):
    COUNT = "Count"
    MILLISECONDS = "Milliseconds"
    BYTES = "Bytes"
    PERCENT = "Percent"
    NONE = "None"


@dataclass(frozen=True, slots=True)
class MetricSpec:
    name: str
    unit: Unit
    dimensions: tuple[str, ...] = ()
    description: str = ""


def _specs(*specs: MetricSpec) -> dict[str, MetricSpec]:
    return {spec.name: spec for spec in specs}


_S = ("Service",)

#: Every metric Encore emits, by name. ``Service`` is ``front``, ``fleet`` or ``billing``.
METRICS: Final[dict[str, MetricSpec]] = _specs(
    # --- the front (interactions Lambda) ---
    MetricSpec("AckLatency", Unit.MILLISECONDS, _S, "Time from receiving an interaction to its HTTP answer."),
    MetricSpec("Commands", Unit.COUNT, (*_S, "Command"), "Commands answered, by command."),
    MetricSpec("Rejects", Unit.COUNT, (*_S, "Reason"), "Interactions refused: signature, malformed, ..."),
    MetricSpec("QueueSendFailures", Unit.COUNT, _S, "Commands the front could not queue."),
    MetricSpec("WebhookEvents", Unit.COUNT, (*_S, "EventType"), "Discord webhook events applied."),
    MetricSpec("WebhookEventFailures", Unit.COUNT, _S, "Webhook events that could not be applied (5xx)."),
    # --- the billing REST API and its scheduled jobs ---
    MetricSpec("ApiLatency", Unit.MILLISECONDS, _S, "Billing REST API request latency."),
    MetricSpec("ApiErrors", Unit.COUNT, (*_S, "StatusClass"), "Billing REST API answers 4xx/5xx."),
    MetricSpec("SubscriptionChanges", Unit.COUNT, (*_S, "Change"), "Trials, upgrades, cancels, ..."),
    MetricSpec("SubscriptionsExpired", Unit.COUNT, _S, "Subscriptions the scheduled job expired."),
    MetricSpec("SubscriptionsRenewed", Unit.COUNT, _S, "Subscriptions the scheduled job renewed."),
    MetricSpec("UsageWarnings", Unit.COUNT, (*_S, "Threshold"), "Usage warnings sent (80%, 100%)."),
    MetricSpec("DatabaseErrors", Unit.COUNT, _S, "Database operations that failed."),
    MetricSpec("RedisErrors", Unit.COUNT, _S, "Redis operations that failed (fallbacks used)."),
    # --- the fleet: queue consumer ---
    MetricSpec("CommandsProcessed", Unit.COUNT, (*_S, "Command", "Outcome"), "Commands the fleet finished."),
    MetricSpec("DequeueToLavalink", Unit.MILLISECONDS, _S, "From dequeue to the Lavalink call."),
    MetricSpec("CommandDuration", Unit.MILLISECONDS, _S, "From dequeue to the final reply."),
    MetricSpec("ExpiredCommands", Unit.COUNT, _S, "Commands dropped because their token was > 15 min old."),
    MetricSpec("DuplicateDeliveries", Unit.COUNT, _S, "Redelivered commands recognised and not re-run."),
    MetricSpec("PoisonMessages", Unit.COUNT, _S, "Commands given up after N receives (left to the DLQ)."),
    MetricSpec("ReplyFailures", Unit.COUNT, _S, "Final replies that could not be delivered."),
    # --- the fleet: Discord ---
    MetricSpec("DiscordRateLimited", Unit.COUNT, (*_S, "Scope"), "429 answers from Discord, by scope."),
    MetricSpec("InvalidRequests", Unit.COUNT, _S, "Invalid requests (401/403/429) in the last 10 min."),
    MetricSpec("Identifies", Unit.COUNT, _S, "Gateway IDENTIFYs sent."),
    MetricSpec("IdentifyBudgetRemaining", Unit.COUNT, _S, "IDENTIFYs left in the 24 h budget."),
    MetricSpec("LeasesAcquired", Unit.COUNT, _S, "Shard-group leases this task took."),
    MetricSpec("LeasesLost", Unit.COUNT, _S, "Shard-group leases lost or released (churn)."),
    MetricSpec("ShardGroupsOwned", Unit.COUNT, _S, "Shard groups this task owns."),
    MetricSpec("ActivePlayers", Unit.COUNT, _S, "Players connected to voice on this task."),
    MetricSpec("PlayersRestored", Unit.COUNT, _S, "Players restored from snapshots after a restart/handoff."),
    # --- the fleet: Lavalink nodes and sources ---
    MetricSpec("NodeUp", Unit.COUNT, (*_S, "Node"), "1 when the node is connected and ready, else 0."),
    MetricSpec("NodePlayers", Unit.COUNT, (*_S, "Node"), "Players on the node (from its stats)."),
    MetricSpec("NodeFrameDeficit", Unit.COUNT, (*_S, "Node"), "Frames deficit per minute (node stats)."),
    MetricSpec("NodeFailovers", Unit.COUNT, (*_S, "Node"), "Players moved off a lost node."),
    MetricSpec("TrackLoads", Unit.COUNT, (*_S, "Source"), "Track loads asked of Lavalink, by source."),
    MetricSpec("TrackLoadFailures", Unit.COUNT, (*_S, "Source"), "Track loads that failed, by source."),
    MetricSpec("TrackExceptions", Unit.COUNT, (*_S, "Source"), "TrackException events, by source."),
    MetricSpec("TrackStuck", Unit.COUNT, (*_S, "Source"), "TrackStuck events, by source."),
)


class UnknownMetricError(ValueError):
    """Code tried to emit a metric or a dimension the registry does not declare."""


def check_metric(name: str, dimensions: dict[str, str]) -> MetricSpec:
    """The spec of ``name``, after checking ``dimensions`` are exactly its declared ones (bar Service)."""
    spec = METRICS.get(name)
    if spec is None:
        raise UnknownMetricError(f"metric {name!r} is not in encore.metrics.METRICS")
    expected = set(spec.dimensions) - {"Service"}
    if set(dimensions) != expected:
        wanted, got = sorted(expected), sorted(dimensions)
        raise UnknownMetricError(f"metric {name!r} takes dimensions {wanted}, not {got}")
    return spec


class MetricsSink(Protocol):
    """Where code emits metrics; the service (``Service`` dimension) is set when the sink is made."""

    def emit(self, name: str, value: float, **dimensions: str) -> None: ...


class NullSink:
    """Checks names (so a typo fails in tests) and drops the values."""

    def emit(self, name: str, value: float, **dimensions: str) -> None:
        check_metric(name, dimensions)


@dataclass
class RecordingSink:
    """Keeps what was emitted, for tests: ``totals[("TrackLoads", (("Source", "youtube"),))]``."""

    totals: dict[tuple[str, tuple[tuple[str, str], ...]], float] = field(default_factory=dict)
    values: list[tuple[str, float, dict[str, str]]] = field(default_factory=list)

    def emit(self, name: str, value: float, **dimensions: str) -> None:
        check_metric(name, dimensions)
        key = (name, tuple(sorted(dimensions.items())))
        self.totals[key] = self.totals.get(key, 0.0) + value
        self.values.append((name, value, dict(dimensions)))

    def total(self, name: str, **dimensions: str) -> float:
        """The sum for ``name`` over the values whose dimensions include ``dimensions``."""
        return sum(
            value
            for (metric, dims), value in self.totals.items()
            if metric == name and set(dimensions.items()) <= set(dims)
        )
