"""What the front reports about each interaction: metrics and the log correlation id.

:class:`FrontTelemetry` is the small interface the core calls; :class:`NullTelemetry` does nothing
(``encore serve``, tests of behaviour); :class:`PowertoolsTelemetry` emits the metrics of
:mod:`encore.metrics` as EMF through Powertools Metrics and sets Powertools Logger's correlation id
to the interaction id, on Lambda.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from encore.metrics import METRICS, NAMESPACE

if TYPE_CHECKING:
    from aws_lambda_powertools import Logger, Metrics

__all__ = ["FrontTelemetry", "NullTelemetry", "PowertoolsTelemetry"]

SERVICE = "front"


class FrontTelemetry(Protocol):
    def interaction(self, interaction_id: int) -> None:
        """A verified interaction is being handled (sets the log correlation id)."""

    def answered(self, command: str | None, latency_ms: float) -> None:
        """A request got its HTTP answer (refusals included); ``command`` is None unless it was one."""

    def rejected(self, reason: str) -> None:
        """An interaction was refused (bad signature, malformed, ...)."""

    def queue_failed(self) -> None:
        """A command could not be queued."""


class NullTelemetry:
    def interaction(self, interaction_id: int) -> None:
        return None

    def answered(self, command: str | None, latency_ms: float) -> None:
        return None

    def rejected(self, reason: str) -> None:
        return None

    def queue_failed(self) -> None:
        return None


class PowertoolsTelemetry:
    def __init__(self, metrics: Metrics, logger: Logger) -> None:
        self._metrics = metrics
        self._logger = logger
        metrics.set_default_dimensions(Service=SERVICE)

    def interaction(self, interaction_id: int) -> None:
        self._logger.set_correlation_id(str(interaction_id))

    def answered(self, command: str | None, latency_ms: float) -> None:
        self._add("AckLatency", latency_ms)
        if command is not None:
            self._add("Commands", 1, Command=command)

    def rejected(self, reason: str) -> None:
        self._add("Rejects", 1, Reason=reason)

    def queue_failed(self) -> None:
        self._add("QueueSendFailures", 1)

    def _add(self, name: str, value: float, **dimensions: str) -> None:
        from aws_lambda_powertools.metrics import MetricUnit, single_metric

        spec = METRICS[name]
        if not dimensions:
            self._metrics.add_metric(name=name, unit=spec.unit.value, value=value)
            return
        # A metric with its own dimension values goes out as its own EMF document.
        with single_metric(
            name=name,
            unit=MetricUnit(spec.unit.value),
            value=value,
            namespace=NAMESPACE,
            default_dimensions={"Service": SERVICE},
        ) as metric:
            for key, dimension in dimensions.items():
                metric.add_dimension(name=key, value=dimension)
