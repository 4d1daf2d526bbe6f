"""The one registry of metric names and dimensions that the front and the fleet emit.

Dashboards and alarms (``template.yaml``) may only use names from here; a test cross-checks them.
Metrics are emitted as CloudWatch embedded metric format through Powertools Metrics.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final

__all__ = ["METRICS", "NAMESPACE", "MetricSpec", "Unit"]

NAMESPACE: Final = "Encore"


class Unit(StrEnum):
    COUNT = "Count"
    MILLISECONDS = "Milliseconds"


@dataclass(frozen=True, slots=True)
class MetricSpec:
    name: str
    unit: Unit
    dimensions: tuple[str, ...] = ()
    description: str = ""


#: Every metric Encore emits, by name.
METRICS: Final[dict[str, MetricSpec]] = {
    spec.name: spec
    for spec in (
        MetricSpec(
            "AckLatency",
            Unit.MILLISECONDS,
            ("Service",),
            "Time from receiving an interaction to its HTTP answer, in the front.",
        ),
        MetricSpec("Commands", Unit.COUNT, ("Service", "Command"), "Commands answered, by command."),
        MetricSpec(
            "Rejects",
            Unit.COUNT,
            ("Service", "Reason"),
            "Interactions refused: bad signature, malformed, invalid options, guild only...",
        ),
        MetricSpec(
            "QueueSendFailures",
            Unit.COUNT,
            ("Service",),
            "Commands the front could not queue (the user got an ephemeral error).",
        ),
    )
}
