"""Metrics as CloudWatch EMF through Powertools Metrics, for the fleet and billing jobs.

Each emitted value goes out as its own EMF document (``single_metric``) so its dimension values do
not leak into other metrics. Powertools is imported when a sink is made, not when this module is.
"""

from __future__ import annotations

from encore.metrics import NAMESPACE, check_metric

__all__ = ["PowertoolsSink"]


class PowertoolsSink:
    def __init__(self, service: str) -> None:
        self._service = service

    def emit(self, name: str, value: float, **dimensions: str) -> None:
        from aws_lambda_powertools.metrics import MetricUnit, single_metric

        spec = check_metric(name, dimensions)
        with single_metric(
            name=name,
            unit=MetricUnit(spec.unit.value),
            value=value,
            namespace=NAMESPACE,
            default_dimensions={"Service": self._service},
        ) as metric:
            for key, dimension in dimensions.items():
                metric.add_dimension(name=key, value=dimension)
